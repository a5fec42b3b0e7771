//! A new password a person chooses for themselves: what it must be, and why one is refused (each
//! reason naming the form field it belongs next to). The check of the current password is the
//! caller's (it needs the stored hash); its outcome comes in as `current_ok`.

use std::fmt;

/// The shortest password the system accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest (a hash of anything longer costs the server, not the attacker).
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordError {
    /// The current password typed is not the account's.
    WrongCurrent,
    TooShort(usize),
    TooLong(usize),
    /// The new password is the current one.
    Unchanged,
    /// The new password contains the username.
    ContainsUsername,
    /// The two new passwords differ.
    Mismatch,
}

impl PasswordError {
    /// The form field the error belongs next to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::WrongCurrent => "current_password",
            Self::Mismatch => "repeat_password",
            _ => "new_password",
        }
    }
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongCurrent => write!(f, "当前密码不正确"),
            Self::TooShort(n) => write!(f, "新密码至少 {MIN_PASSWORD_CHARS} 个字符（现为 {n} 个）"),
            Self::TooLong(n) => write!(
                f,
                "新密码不能超过 {MAX_PASSWORD_CHARS} 个字符（现为 {n} 个）"
            ),
            Self::Unchanged => write!(f, "新密码不能与当前密码相同"),
            Self::ContainsUsername => write!(f, "新密码不能包含用户名"),
            Self::Mismatch => write!(f, "两次输入的新密码不一致"),
        }
    }
}

/// Checks a change of one's own password. `repeat` is the second entry of the new password (the
/// API, which has no second entry, passes the new password again).
pub fn check_new_password(
    username: &str,
    current: &str,
    current_ok: bool,
    new: &str,
    repeat: &str,
) -> Result<(), PasswordError> {
    if !current_ok {
        return Err(PasswordError::WrongCurrent);
    }
    let n = new.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort(n));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong(n));
    }
    if new == current {
        return Err(PasswordError::Unchanged);
    }
    if !username.is_empty() && new.to_lowercase().contains(&username.to_lowercase()) {
        return Err(PasswordError::ContainsUsername);
    }
    if new != repeat {
        return Err(PasswordError::Mismatch);
    }
    Ok(())
}

/// Checks a temporary password an administrator sets for someone else (`username`): the same
/// length rules, and not containing their username; typed twice.
pub fn check_temporary_password(
    username: &str,
    new: &str,
    repeat: &str,
) -> Result<(), PasswordError> {
    check_new_password(username, "", true, new, repeat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_names_its_field() {
        let ok = "Qiu-2026-shangcheng";
        assert_eq!(
            check_new_password("judge", "old-password-1", true, ok, ok),
            Ok(())
        );
        let cases = [
            (
                false,
                ok,
                ok,
                PasswordError::WrongCurrent,
                "current_password",
            ),
            (
                true,
                "short",
                "short",
                PasswordError::TooShort(5),
                "new_password",
            ),
            (
                true,
                "old-password-1",
                "old-password-1",
                PasswordError::Unchanged,
                "new_password",
            ),
            (
                true,
                "my-JUDGE-pass-1",
                "my-JUDGE-pass-1",
                PasswordError::ContainsUsername,
                "new_password",
            ),
            (
                true,
                ok,
                "Qiu-2026-shangchen",
                PasswordError::Mismatch,
                "repeat_password",
            ),
        ];
        for (current_ok, new, repeat, want, field) in cases {
            let e = check_new_password("judge", "old-password-1", current_ok, new, repeat);
            assert_eq!(e, Err(want.clone()), "{new}");
            assert_eq!(want.field(), field);
            assert!(!want.to_string().is_empty());
        }
        let long = "x".repeat(129);
        assert_eq!(
            check_new_password("judge", "old", true, &long, &long),
            Err(PasswordError::TooLong(129))
        );
        // Characters, not bytes: ten Chinese characters are enough.
        let zh = "天平天平天平天平天平";
        assert_eq!(check_new_password("judge", "old", true, zh, zh), Ok(()));
    }

    #[test]
    fn a_temporary_password_follows_the_same_rules() {
        let ok = "Temp-2026-reset";
        assert_eq!(check_temporary_password("judge", ok, ok), Ok(()));
        assert_eq!(
            check_temporary_password("judge", "short", "short"),
            Err(PasswordError::TooShort(5))
        );
        assert_eq!(
            check_temporary_password("judge", "judge-2026-xx", "judge-2026-xx"),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(
            check_temporary_password("judge", ok, "Temp-2026-rese"),
            Err(PasswordError::Mismatch)
        );
    }
}
