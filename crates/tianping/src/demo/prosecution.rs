//! The procuratorate's side of the demo beyond police files: cases a 监察委员会 transfers for
//! prosecution (监察法 2024, CrimPL 2018 art. 170), and a judgment awaiting the 抗诉 decision.

use super::cases::Gen;
use super::cases::president;
use super::org_id;
use chrono::{Datelike, Duration, NaiveDate};
use tianping_domain::event::{Disposition, EventBody, Penalty};
use tianping_domain::{AgencyKind, CaseKind};

impl Gen<'_> {
    /// A 职务犯罪 case a county 监察委员会 transfers for prosecution with the suspect in 留置: the
    /// procuratorate holds them by 先行拘留 and decides on 逮捕 within 10 days (CrimPL art. 170
    /// ¶2) — one in ten late, the newest still undecided —, reviews and indicts; the court tries
    /// them and the days of 留置 count against the sentence.
    pub(crate) fn commission_transfer(&mut self, county: &str, day: NaiveDate, pending: bool) {
        let proc_ = org_id(AgencyKind::Procuratorate, county);
        let year = day.year();
        let seq = {
            let s = self.seq.entry((proc_.clone(), "检", year)).or_insert(0);
            *s += 1;
            *s
        };
        let qn = format!("浙检{county}刑诉〔{year}〕{seq}号");
        let charge = if self.rng.chance(0.6) {
            "受贿罪"
        } else {
            "贪污罪"
        };
        let mut suspect = self.natural("犯罪嫌疑人");
        suspect.id_number = Some(self.id_number(county, false, year));
        let mut f = self.filing(charge, vec![suspect]);
        f.case_kind = Some(CaseKind::Prosecution);
        f.org_id = Some(proc_.clone());
        f.charges = vec![charge.to_string()];
        // In 留置, not yet in the procuratorate's custody: the transfer below holds them.
        f.in_custody = false;
        let since = day - Duration::days(self.rng.range(60, 150));
        if !self.emit(&qn, day, EventBody::Filed(f.clone()))
            || !self.name_handler(&qn, day, &proc_)
            || !self.emit(
                &qn,
                day,
                EventBody::SupervisionCommissionTransfer {
                    retained: true,
                    retained_since: Some(since),
                },
            )
        {
            return;
        }
        if pending {
            return;
        }
        let decided = day
            + Duration::days(if self.rng.chance(0.1) {
                12
            } else {
                self.rng.range(3, 9)
            });
        if !self.emit(
            &qn,
            decided,
            EventBody::ArrestApproved {
                approver: president("检察长", &proc_),
            },
        ) {
            return;
        }
        let indicted = decided + Duration::days(self.rng.range(20, 40));
        if self.emit(&qn, indicted, EventBody::Indicted) {
            self.trial_of_the_accused(county, f, indicted, &qn);
        }
    }

    /// A judgment below the 量刑建议 received three days ago with the 抗诉 decision still open (重罪
    /// 轻判): the county procuratorate's board and the city procuratorate's, for 同步备案审查.
    pub(crate) fn lenient_judgment(&mut self, county: &str, today: NaiveDate) {
        let proc_ = org_id(AgencyKind::Procuratorate, county);
        let court = org_id(AgencyKind::Court, county);
        let filed = today - Duration::days(70);
        let year = filed.year();
        let seq = {
            let s = self.seq.entry((proc_.clone(), "检", year)).or_insert(0);
            *s += 1;
            *s
        };
        let qn = format!("浙检{county}刑诉〔{year}〕{seq}号");
        let mut suspect = self.natural("犯罪嫌疑人");
        suspect.id_number = Some(self.id_number(county, false, year - 1));
        let mut f = self.filing("抢劫罪", vec![suspect]);
        f.case_kind = Some(CaseKind::Prosecution);
        f.org_id = Some(proc_.clone());
        f.charges = vec!["抢劫罪".into()];
        f.in_custody = true;
        let indicted = filed + Duration::days(25);
        if !self.emit(&qn, filed, EventBody::Filed(f.clone()))
            || !self.name_handler(&qn, filed, &proc_)
            || !self.emit(&qn, filed, EventBody::ProsecutionReviewStarted)
            || !self.emit(&qn, indicted, EventBody::Indicted)
        {
            return;
        }
        let n = self.number(&court, "刑初", indicted.year());
        for p in &mut f.parties {
            p.role = "被告人".into();
        }
        f.case_kind = None;
        f.org_id = None;
        let judged = today - Duration::days(4);
        if !self.emit(&n, indicted + Duration::days(2), EventBody::Filed(f))
            || !self.emit(
                &n,
                judged,
                EventBody::Closed {
                    disposition: Disposition::Judgment,
                    sentence_months: Some(18),
                    amount_yuan: None,
                    penalty: Some(Penalty::FixedTerm),
                },
            )
        {
            return;
        }
        self.emit(
            &qn,
            judged + Duration::days(1),
            EventBody::JudgmentReceived {
                ruling: false,
                sentence_months: Some(18),
                recommended_months: Some(36),
            },
        );
    }
}
