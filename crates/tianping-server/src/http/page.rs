//! The frame of every server-rendered page: the header and navigation a role sees, rendering, the
//! error page, redirects and the stylesheet. Pages are in Simplified Chinese; forms carry the
//! session's CSRF token; no page needs JavaScript.

use crate::error::ApiError;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tianping_domain::access;
use tianping_store::user::Session;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// A menu of the header: one page, or a group of pages under a heading (opened on hover or
/// keyboard focus, no script), so that every role's menu fits one line at 1280 px.
pub struct NavGroup {
    pub label: &'static str,
    pub items: Vec<NavItem>,
    pub active: bool,
}

/// The heading a page's menu entry goes under (pages of one kind of work together).
fn group_of(href: &str) -> &'static str {
    match href {
        "/cases" | "/persons" | "/incidents/samples" | "/judgments" | "/proofreading" => "案件",
        "/warnings" | "/clock-changes" | "/nodes" => "期限",
        "/supervision"
        | "/referrals"
        | "/projects"
        | "/interference"
        | "/feedback"
        | "/evaluations"
        | "/evaluations/experts"
        | "/evaluations/self-checks"
        | "/risks" => "监督",
        "/dishonest" | "/typical" | "/refusals" => "案件",
        "/admin/users" | "/admin/orgs" | "/admin/systems" | "/admin/calendar" | "/ledger"
        | "/audit/reads" => "管理",
        "/supervisors" | "/supervisor-activities" => "人民监督员",
        "/deputies"
        | "/deputies/cases"
        | "/deputies/invitations"
        | "/deputies/suggestions"
        | "/deputies/surveys"
        | "/campaigns" => "代表工作",
        "/mailbox" | "/account/security" | "/home" => "我的",
        _ => "",
    }
}

/// What every logged-in page shows in its header.
pub struct Layout {
    pub user_name: String,
    pub role_zh: &'static str,
    pub org_name: String,
    pub csrf: String,
    pub nav: Vec<NavGroup>,
    /// The page's figures were read from the read replica (`database_read_url`): it says they
    /// may be a few seconds behind.
    pub from_replica: bool,
}

impl Layout {
    pub fn new(s: &Session, active: &str) -> Layout {
        let mut nav = vec![NavItem {
            href: "/todo",
            label: "待办",
            active: active == "/todo",
        }];
        if s.user.role.reads_cases() {
            nav.push(NavItem {
                href: "/cases",
                label: "案件",
                active: active == "/cases",
            });
            nav.push(NavItem {
                href: "/warnings",
                label: "期限预警",
                active: active == "/warnings",
            });
            if access::draws_incident_samples(s.user.role, s.org.kind) {
                nav.push(NavItem {
                    href: "/incidents/samples",
                    label: "警情抽查",
                    active: active == "/incidents/samples",
                });
            }
            if access::follows_person(s.user.role, s.org.kind) {
                nav.push(NavItem {
                    href: "/persons",
                    label: "人员全流程",
                    active: active == "/persons",
                });
            }
            nav.push(NavItem {
                href: "/clock-changes",
                label: "期限变动",
                active: active == "/clock-changes",
            });
            if access::watches_nodes(s.user.role, s.org.kind) {
                nav.push(NavItem {
                    href: "/nodes",
                    label: "流程节点",
                    active: active == "/nodes",
                });
            }
            nav.push(NavItem {
                href: "/quality",
                label: "质效指标",
                active: active == "/quality",
            });
            nav.push(NavItem {
                href: "/judgments",
                label: "裁判文书库",
                active: active == "/judgments",
            });
            if access::proofreads_drafts(s.user.role, s.org.kind)
                || access::reads_proofreading(s.user.role, s.org.kind)
            {
                nav.push(NavItem {
                    href: "/proofreading",
                    label: "文书校对",
                    active: active == "/proofreading",
                });
            }
        }
        if access::supervises(s.user.role) || access::rectifies(s.user.role) {
            nav.push(NavItem {
                href: "/supervision",
                label: "督办事项",
                active: active == "/supervision",
            });
        }
        if access::may_refer(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/referrals",
                label: "双向移送",
                active: active == "/referrals",
            });
        }
        if access::supervises(s.user.role) || access::rectifies(s.user.role) {
            nav.push(NavItem {
                href: "/projects",
                label: "联合监督",
                active: active == "/projects",
            });
        }
        if access::records_interference(s.user.role) || access::sees_interference(s.user.role) {
            nav.push(NavItem {
                href: "/interference",
                label: "过问记录",
                active: active == "/interference",
            });
        }
        // 案件质量评查: its readers, the evaluators (a third-party evaluator's only page) and the
        // judges, who read the results of their own cases there.
        if access::reads_evaluations(s.user.role, s.org.kind)
            || matches!(
                s.user.role,
                tianping_domain::Role::Evaluator | tianping_domain::Role::Judge
            )
        {
            nav.push(NavItem {
                href: "/evaluations",
                label: "案件质量评查",
                active: active == "/evaluations",
            });
        }
        if access::files_self_checks(s.user.role, s.org.kind)
            || access::reads_self_checks(s.user.role, s.org.kind)
        {
            nav.push(NavItem {
                href: "/evaluations/self-checks",
                label: "案件自查",
                active: active == "/evaluations/self-checks",
            });
        }
        if access::reviews_risks(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/risks",
                label: "执法司法风险点",
                active: active == "/risks",
            });
        }
        if access::runs_evaluations(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/evaluations/experts",
                label: "评查专家库",
                active: active == "/evaluations/experts",
            });
        }
        if access::keeps_dishonest_list(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/dishonest",
                label: "失信被执行人名单",
                active: active == "/dishonest",
            });
        }
        if access::reads_refusal_referrals(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/refusals",
                label: "拒执线索移送",
                active: active == "/refusals",
            });
        }
        if access::reads_deputy_assistance(s.user.role, s.org.kind) {
            if s.user.role != tianping_domain::Role::Deputy {
                nav.push(NavItem {
                    href: "/deputies",
                    label: "人大代表名册",
                    active: active == "/deputies",
                });
            }
            nav.push(NavItem {
                href: "/deputies/cases",
                label: if s.user.role == tianping_domain::Role::Deputy {
                    "我的协助案件"
                } else {
                    "代表协助执行"
                },
                active: active == "/deputies/cases",
            });
        }
        if access::invites_deputies(s.user.role, s.org.kind)
            || access::keeps_deputies(s.user.role, s.org.kind)
            || s.user.role == tianping_domain::Role::Deputy
        {
            nav.push(NavItem {
                href: "/deputies/invitations",
                label: if s.user.role == tianping_domain::Role::Deputy {
                    "邀请"
                } else {
                    "邀请代表"
                },
                active: active == "/deputies/invitations",
            });
        }
        if access::reads_suggestions(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/deputies/suggestions",
                label: if s.user.role == tianping_domain::Role::Deputy {
                    "我的建议"
                } else {
                    "代表建议与检察建议"
                },
                active: active == "/deputies/suggestions",
            });
        }
        if access::keeps_deputies(s.user.role, s.org.kind)
            || s.user.role == tianping_domain::Role::Deputy
        {
            nav.push(NavItem {
                href: "/deputies/surveys",
                label: "问卷",
                active: active == "/deputies/surveys",
            });
        }
        if access::reads_campaigns(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/campaigns",
                label: "终本库出清",
                active: active == "/campaigns",
            });
        }
        if access::proposes_typical_cases(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/typical",
                label: "典型案例",
                active: active == "/typical",
            });
        }
        if access::reads_feedback_index(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/feedback",
                label: "司法公正感受度",
                active: active == "/feedback",
            });
        }
        if access::keeps_people_supervisors(s.user.role, s.org.kind) {
            nav.push(NavItem {
                href: "/supervisors",
                label: "人民监督员库",
                active: active == "/supervisors",
            });
        }
        if access::reads_supervisor_activities(s.user.role, s.org.kind)
            || access::may_audit(s.user.role)
        {
            nav.push(NavItem {
                href: "/supervisor-activities",
                label: if s.user.role == tianping_domain::Role::PeopleSupervisor {
                    "我的监督活动"
                } else {
                    "监督活动"
                },
                active: active == "/supervisor-activities",
            });
        }
        if access::administers_accounts(s.user.role) {
            nav.push(NavItem {
                href: "/admin/users",
                label: "用户",
                active: active == "/admin/users",
            });
        }
        if access::may_administer(s.user.role, access::AccountAct::AddOrg, false).is_none() {
            nav.push(NavItem {
                href: "/admin/orgs",
                label: "机构",
                active: active == "/admin/orgs",
            });
        }
        if access::may_manage_system_clients(s.user.role) {
            nav.push(NavItem {
                href: "/admin/systems",
                label: "系统接入",
                active: active == "/admin/systems",
            });
        }
        if access::operates_the_system(s.user.role) {
            nav.push(NavItem {
                href: "/admin/calendar",
                label: "节假日",
                active: active == "/admin/calendar",
            });
        }
        if access::may_audit(s.user.role) {
            nav.push(NavItem {
                href: "/ledger",
                label: "防篡改账本",
                active: active == "/ledger",
            });
        }
        if access::may_audit(s.user.role) {
            nav.push(NavItem {
                href: "/audit/reads",
                label: "审计记录",
                active: active == "/audit/reads",
            });
        }
        nav.push(NavItem {
            href: "/mailbox",
            label: "提醒邮件",
            active: active == "/mailbox",
        });
        nav.push(NavItem {
            href: "/account/security",
            label: "账户安全",
            active: active == "/account/security",
        });
        nav.push(NavItem {
            href: "/home",
            label: "我的账户",
            active: active == "/home",
        });
        let mut menus: Vec<NavGroup> = vec![];
        for item in nav {
            let label = group_of(item.href);
            match menus
                .iter_mut()
                .find(|g| !label.is_empty() && g.label == label)
            {
                Some(g) => {
                    g.active |= item.active;
                    g.items.push(item);
                }
                _ => menus.push(NavGroup {
                    label: if label.is_empty() { item.label } else { label },
                    active: item.active,
                    items: vec![item],
                }),
            }
        }
        Layout {
            user_name: s.user.display_name.clone(),
            role_zh: s.user.role.title_in(Some(s.org.kind)),
            org_name: s.org.name.clone(),
            csrf: s.csrf_token.clone(),
            nav: menus,
            from_replica: false,
        }
    }

    /// Marks a page whose figures come from `store`'s read-heavy reads (the replica's, when
    /// there is one).
    pub fn reads(mut self, store: &tianping_store::Store) -> Layout {
        self.from_replica = store.reads_from_replica();
        self
    }
}

pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    let mut r = render(&ErrorPage {
        status: status.as_u16(),
        message,
    });
    *r.status_mut() = status;
    r
}

/// The messages a form's `(field, message)` errors give one field, joined — what a page shows
/// next to that field.
pub fn errors_of(errors: &[(String, String)], field: &str) -> String {
    errors
        .iter()
        .filter(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

pub fn api_error_page(e: ApiError) -> Response {
    error_page(e.status, &e.message)
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

/// A refused form's error for one field (empty when it belongs to another): the pages keep the
/// refusal as (field, message) and show it next to that field.
pub fn error_at(error: &Option<(String, String)>, field: &str) -> String {
    match error {
        Some((f, m)) if f == field => m.clone(),
        _ => String::new(),
    }
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// Percent-encodes a query-string value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page numbers a pager links to for page `page` of `pages`: the first and the last, and two
/// either side of the current one; `None` where numbers are left out (shown as …).
pub fn page_window(page: u32, pages: u32) -> Vec<Option<u32>> {
    let pages = pages.max(1);
    let page = page.clamp(1, pages);
    let mut shown: Vec<u32> = vec![1, pages];
    shown.extend((page.saturating_sub(2).max(1))..=(page.saturating_add(2).min(pages)));
    shown.sort_unstable();
    shown.dedup();
    let mut out = vec![];
    for (i, p) in shown.iter().enumerate() {
        if i > 0 && *p > shown[i - 1] + 1 {
            out.push(None);
        }
        out.push(Some(*p));
    }
    out
}

/// Organisations as a unit picker shows them: a tree by region (each region's units, then the
/// regions below it, indented one full-width space per level below the shallowest shown), within
/// a region by kind (court, procuratorate, police, justice bureau, 人大, 政法委) and name.
pub fn org_tree(orgs: Vec<tianping_store::org::Org>) -> Vec<(String, String)> {
    let depth = |o: &tianping_store::org::Org| o.region_path.matches('/').count();
    let base = orgs.iter().map(depth).min().unwrap_or(0);
    let mut orgs = orgs;
    orgs.sort_by(|a, b| {
        (&a.region_path, a.kind as u8, &a.name).cmp(&(&b.region_path, b.kind as u8, &b.name))
    });
    orgs.into_iter()
        .map(|o| {
            let indent = "\u{3000}".repeat(depth(&o) - base);
            (o.id, format!("{indent}{}", o.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{org_tree, page_window};
    use tianping_domain::{AgencyKind, Level};
    use tianping_store::org::Org;

    #[test]
    fn units_are_shown_as_a_tree_by_region() {
        let org = |id: &str, name: &str, kind, path: &str| Org {
            id: id.into(),
            parent_id: None,
            name: name.into(),
            kind,
            level: Level::County,
            region_code: String::new(),
            region_path: path.into(),
            court_code: None,
        };
        let shown = org_tree(vec![
            org(
                "xh",
                "西湖区人民法院",
                AgencyKind::Court,
                "/33/3301/330106/",
            ),
            org(
                "plc",
                "杭州市委政法委",
                AgencyKind::PoliticalLegalCommittee,
                "/33/3301/",
            ),
            org(
                "sc",
                "上城区人民法院",
                AgencyKind::Court,
                "/33/3301/330102/",
            ),
            org("hz", "杭州市中级人民法院", AgencyKind::Court, "/33/3301/"),
            org(
                "scp",
                "上城区人民检察院",
                AgencyKind::Procuratorate,
                "/33/3301/330102/",
            ),
        ]);
        let names: Vec<&str> = shown.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "杭州市中级人民法院",
                "杭州市委政法委",
                "\u{3000}上城区人民法院",
                "\u{3000}上城区人民检察院",
                "\u{3000}西湖区人民法院",
            ]
        );
        assert_eq!(shown[2].0, "sc");
    }

    #[test]
    fn pager_shows_the_ends_and_the_neighbourhood() {
        let s = |page, pages| {
            page_window(page, pages)
                .into_iter()
                .map(|p| p.map_or("…".to_string(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(s(1, 1), "1");
        assert_eq!(s(1, 4), "1 2 3 4");
        assert_eq!(s(1, 50), "1 2 3 … 50");
        assert_eq!(s(25, 50), "1 … 23 24 25 26 27 … 50");
        assert_eq!(s(50, 50), "1 … 48 49 50");
        assert_eq!(s(4, 50), "1 2 3 4 5 6 … 50");
    }
}
