//! The course of each kind of case: civil first instance, appeal, execution, criminal first
//! instance, administrative, and a police custody file — filings, hearings, extensions, pauses and
//! closings on believable dates.

use super::cases::ADMIN_DEFENDANTS;
use super::cases::CHARGES;
use super::cases::CIVIL_CAUSES;
use super::cases::Gen;
use super::cases::president;
use super::org_id;
use chrono::{Datelike, Duration, NaiveDate};
use tianping_domain::event::{Disposition, EventBody, ExcludedKind, PeriodUnit, ZhongbenChecklist};
use tianping_domain::{AgencyKind, CaseKind, Party, PartyKind};

impl Gen<'_> {
    pub(crate) fn civil_first(&mut self, court: &str, filed: NaiveDate, origin: Option<String>) {
        let n = self.number(court, "民初", filed.year());
        let cause = (*self.rng.weighted(CIVIL_CAUSES)).to_string();
        let mut parties = vec![
            self.legal_or_natural("原告", court, 0.3),
            self.legal_or_natural("被告", court, 0.25),
        ];
        if (cause == "离婚纠纷" || cause == "健康权纠纷") && self.rng.chance(0.2) {
            let mut child = self.natural("第三人");
            child.minor = true;
            parties.push(child);
        }
        let mut f = self.filing(&cause, parties);
        f.summary_procedure = origin.is_none() && self.rng.chance(0.65);
        // A few claims are very large (a 四类案件 threshold in rules/flag-rules.toml).
        let claim = if self.rng.chance(0.003) {
            self.rng.range(100, 900) * 1_000_000
        } else {
            self.rng.range(3, 800) * 1000
        };
        f.claim_amount_yuan = Some(claim);
        f.origin_case_number = origin;
        let summary = f.summary_procedure;
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = if summary {
            self.rng.range(25, 85)
        } else {
            self.rng.range(60, 170)
        };
        let (mut close, ok) = self.trial_course(
            &n,
            court,
            filed,
            base,
            !summary,
            ExcludedKind::Appraisal,
            !summary,
        );
        if !ok {
            return;
        }
        if summary && self.rng.chance(0.12) {
            let d = close
                - Duration::days(
                    self.rng
                        .range(5, 20)
                        .min((close - filed).num_days().max(2) - 1),
                );
            if !self.emit(
                &n,
                d.max(filed + Duration::days(1)),
                EventBody::ProcedureConverted {
                    from: "summary".into(),
                    to: "ordinary".into(),
                },
            ) {
                return;
            }
            close += Duration::days(self.rng.range(20, 90));
        }
        let d = *self.rng.weighted(&[
            (Disposition::Judgment, 45),
            (Disposition::Mediation, 30),
            (Disposition::Withdrawal, 20),
            (Disposition::Dismissal, 5),
        ]);
        // Awards lie between 20% and 100% of the claim.
        let amount = if d == Disposition::Judgment {
            Some(claim * self.rng.range(20, 100) / 100)
        } else {
            None
        };
        if !self.emit(
            &n,
            close,
            EventBody::Closed {
                disposition: d,
                sentence_months: None,
                amount_yuan: amount,
                penalty: None,
            },
        ) {
            return;
        }
        if d == Disposition::Judgment && self.rng.chance(0.15) {
            let ad = close + Duration::days(self.rng.range(5, 14));
            if self.emit(
                &n,
                ad,
                EventBody::Appealed {
                    by: "一方当事人".into(),
                },
            ) {
                let inter = self
                    .p
                    .orgs
                    .iter()
                    .find(|o| o.id == court)
                    .and_then(|o| o.parent_id.clone())
                    .unwrap_or_default();
                let filed2 = ad + Duration::days(self.rng.range(20, 45));
                self.second_instance(
                    &inter,
                    "民终",
                    filed2,
                    n.clone(),
                    court.to_string(),
                    cause.clone(),
                );
            }
        }
    }

    pub(super) fn second_instance(
        &mut self,
        court: &str,
        code: &'static str,
        filed: NaiveDate,
        origin: String,
        origin_court: String,
        cause: String,
    ) {
        // Appeals from the high court go to the SPC, outside the province.
        if !self.court_code.contains_key(court) {
            return;
        }
        let n = self.number(court, code, filed.year());
        let criminal = code == "刑终";
        let parties = if criminal {
            vec![self.natural("上诉人（原审被告人）")]
        } else {
            vec![
                self.natural("上诉人"),
                self.legal_or_natural("被上诉人", court, 0.3),
            ]
        };
        let mut f = self.filing(&cause, parties);
        f.origin_case_number = Some(origin.clone());
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = self.rng.range(30, 85);
        let (close, ok) = self.trial_course(
            &n,
            court,
            filed,
            base,
            true,
            ExcludedKind::PublicNotice,
            !criminal,
        );
        if !ok {
            return;
        }
        let d = *self.rng.weighted(&[
            (Disposition::Upheld, 72),
            (Disposition::Amended, 12),
            (Disposition::RemandedForRetrial, 7),
            (Disposition::Mediation, 5),
            (Disposition::Withdrawal, 4),
        ]);
        if !self.emit(
            &n,
            close,
            EventBody::Closed {
                disposition: d,
                sentence_months: None,
                amount_yuan: None,
                penalty: None,
            },
        ) {
            return;
        }
        if d == Disposition::RemandedForRetrial && !criminal {
            let retrial = close + Duration::days(self.rng.range(7, 20));
            let new_no = self.number(&origin_court, "民初", retrial.year());
            // The next 民初 number is taken by the retrial itself, filed under that number.
            if let Some(s) = self
                .seq
                .get_mut(&(origin_court.clone(), "民初", retrial.year()))
            {
                *s -= 1;
            }
            if self.emit(
                &origin,
                retrial,
                EventBody::Remanded {
                    new_case_number: Some(new_no),
                },
            ) {
                self.civil_first(&origin_court, retrial, Some(origin));
            }
        }
    }

    pub(crate) fn execution(&mut self, court: &str, filed: NaiveDate) {
        let n = self.number(court, "执", filed.year());
        let parties = vec![
            self.legal_or_natural("申请执行人", court, 0.4),
            self.legal_or_natural("被执行人", court, 0.3),
        ];
        let cause = *self.rng.weighted(CIVIL_CAUSES);
        let mut f = self.filing(cause, parties);
        f.claim_amount_yuan = Some(self.rng.range(5, 600) * 1000);
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let judge = self.judge_of(court);
        let mut day = filed + Duration::days(self.rng.range(1, 3));
        if !self.emit(
            &n,
            day,
            EventBody::Assigned {
                judge,
                panel: vec![],
                division: Some("执行局".into()),
                clerk: None,
            },
        ) {
            return;
        }
        let found = self.rng.chance(0.45);
        for i in 0..self.rng.range(1, 3) {
            day += Duration::days(self.rng.range(5, 30));
            let channel = if i == 0 {
                "网络执行查控系统"
            } else {
                "现场调查"
            };
            if !self.emit(
                &n,
                day,
                EventBody::PropertySearched {
                    channel: channel.into(),
                    found,
                },
            ) {
                return;
            }
        }
        if found {
            let close = day + Duration::days(self.rng.range(20, 150));
            self.emit(
                &n,
                close,
                EventBody::Closed {
                    disposition: Disposition::ExecutionCompleted,
                    sentence_months: None,
                    amount_yuan: None,
                    penalty: None,
                },
            );
        } else if self.rng.chance(0.8) {
            let close =
                (filed + Duration::days(self.rng.range(95, 200))).max(day + Duration::days(1));
            let full = ZhongbenChecklist {
                property_report_done: true,
                consumption_restricted: true,
                assets_investigated: true,
                whereabouts_and_obstruction_handled: true,
                applicant_interviewed: true,
                applicant_confirmed_or_president_approved: true,
                ruling_served: true,
            };
            let unpaid = Some(self.rng.range(5, 600) * 1000);
            if self.emit(
                &n,
                close,
                EventBody::ExecutionTerminated {
                    checklist: full,
                    unpaid_amount_yuan: unpaid,
                },
            ) && self.rng.chance(0.06)
            {
                let d = close + Duration::days(self.rng.range(60, 300));
                self.emit(
                    &n,
                    d,
                    EventBody::ExecutionRestored {
                        deputy_assisted: false,
                    },
                );
            }
        }
    }

    pub(crate) fn criminal_first(&mut self, court: &str, filed: NaiveDate) {
        let n = self.number(court, "刑初", filed.year());
        let charge = (*self.rng.weighted(CHARGES)).to_string();
        let mut accused = self.natural("被告人");
        accused.minor = self.rng.chance(0.05);
        let mut f = self.filing(&charge, vec![accused]);
        f.charges = vec![charge.clone()];
        // Most defendants in public prosecutions are held (no holiday roll-over for their limit).
        f.in_custody = self.rng.chance(0.7);
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = self.rng.range(20, 55);
        let panel = self.rng.chance(0.4);
        let (mut close, ok) = self.trial_course(
            &n,
            court,
            filed,
            base,
            panel,
            ExcludedKind::PsychiatricAppraisal,
            false,
        );
        if !ok {
            return;
        }
        if self.rng.chance(0.03) {
            let d = close - Duration::days(1).min(close - filed);
            if !self.emit(
                &n,
                d,
                EventBody::ReturnedForSupplementaryInvestigation {
                    reason: "检察院建议补充侦查".into(),
                },
            ) {
                return;
            }
            close = d + Duration::days(self.rng.range(20, 30));
            if !self.emit(
                &n,
                close,
                EventBody::ResubmittedAfterSupplementaryInvestigation,
            ) {
                return;
            }
            close += Duration::days(self.rng.range(15, 40));
        }
        let months = u32::try_from(self.rng.range(2, 60)).unwrap_or(6);
        if self.emit(
            &n,
            close,
            EventBody::Closed {
                disposition: Disposition::Judgment,
                sentence_months: Some(months),
                amount_yuan: None,
                penalty: None,
            },
        ) && self.rng.chance(0.1)
        {
            let ad = close + Duration::days(self.rng.range(3, 9));
            if self.emit(
                &n,
                ad,
                EventBody::Appealed {
                    by: "被告人".into(),
                },
            ) {
                let inter = self
                    .p
                    .orgs
                    .iter()
                    .find(|o| o.id == court)
                    .and_then(|o| o.parent_id.clone())
                    .unwrap_or_default();
                let filed2 = ad + Duration::days(self.rng.range(10, 30));
                self.second_instance(
                    &inter,
                    "刑终",
                    filed2,
                    n.clone(),
                    court.to_string(),
                    charge.clone(),
                );
            }
        }
    }

    pub(crate) fn administrative(&mut self, court: &str, filed: NaiveDate) {
        let n = self.number(court, "行初", filed.year());
        let city = self.city_of.get(court).cloned().unwrap_or_default();
        let def = format!("{city}{}", self.rng.pick(ADMIN_DEFENDANTS));
        let parties = vec![
            self.natural("原告"),
            Party {
                name: def,
                role: "被告".into(),
                kind: PartyKind::Legal,
                minor: false,
                id_number: None,
            },
        ];
        let f = self.filing("行政处罚", parties);
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = self.rng.range(60, 170);
        let (close, ok) =
            self.trial_course(&n, court, filed, base, true, ExcludedKind::Appraisal, true);
        if ok {
            let d = *self.rng.weighted(&[
                (Disposition::Judgment, 60),
                (Disposition::Withdrawal, 30),
                (Disposition::Dismissal, 10),
            ]);
            self.emit(
                &n,
                close,
                EventBody::Closed {
                    disposition: d,
                    sentence_months: None,
                    amount_yuan: None,
                    penalty: None,
                },
            );
        }
    }

    /// A police 警情 from 接警 to its outcome: most are recorded within hours; criminal ones are
    /// accepted and decided within the 3-day 立案审查, some late, a few never (有案不立), and the
    /// procuratorate asks for the reasons of some and orders filing.
    pub(crate) fn incident(&mut self, county: &str, day: NaiveDate, unfiled: bool) {
        const KINDS: &[(&str, bool, u32)] = &[
            ("入室盗窃警情", true, 20),
            ("电信网络诈骗报警", true, 25),
            ("打架斗殴警情", true, 12),
            ("抢夺财物报警", true, 5),
            ("邻里纠纷求助", false, 18),
            ("交通事故报警", false, 12),
            ("噪声扰民投诉", false, 8),
        ];
        let police = org_id(AgencyKind::Police, county);
        let year = day.year();
        let seq = {
            let s = self.seq.entry((police.clone(), "警", year)).or_insert(0);
            *s += 1;
            *s
        };
        let n = format!("浙公{county}警〔{year}〕{seq}号");
        let (cause, criminal, _) = if unfiled {
            KINDS[0]
        } else {
            *self
                .rng
                .weighted(&KINDS.iter().map(|k| (*k, k.2)).collect::<Vec<_>>())
        };
        let reporter = self.natural("报警人");
        let mut f = self.filing(cause, vec![reporter]);
        f.case_kind = Some(CaseKind::Police);
        f.org_id = Some(police.clone());
        f.incident = true;
        if !self.emit(&n, day, EventBody::Filed(f)) || !self.emit(&n, day, EventBody::Dispatched) {
            return;
        }
        // 有警不录: a few never get their 处警 result recorded.
        if !unfiled && self.rng.chance(0.04) {
            return;
        }
        if !self.emit(
            &n,
            day,
            EventBody::IncidentHandled {
                result: if criminal {
                    "民警到场勘查、询问报警人，初步认定涉嫌犯罪".into()
                } else {
                    "民警到场调解，双方达成谅解".into()
                },
            },
        ) {
            return;
        }
        if !criminal {
            let body = if self.rng.chance(0.5) {
                EventBody::CaseAccepted { criminal: false }
            } else {
                EventBody::CaseNotAccepted {
                    reason: "属民间纠纷，已当场调解".into(),
                }
            };
            self.emit(&n, day, body);
            return;
        }
        if !self.emit(&n, day, EventBody::CaseAccepted { criminal: true }) {
            return;
        }
        let late = unfiled || self.rng.chance(0.18);
        if unfiled || (late && self.rng.chance(0.5)) {
            // 有案不立: no decision yet; the procuratorate asks why (立案监督).
            let ask = day + Duration::days(self.rng.range(6, 12));
            if county == "330102" && self.emit(&n, ask, EventBody::ExplanationRequested) {
                let answer = ask + Duration::days(self.rng.range(3, 9));
                if self.rng.chance(0.6)
                    && self.emit(
                        &n,
                        answer,
                        EventBody::ExplanationGiven {
                            reason: "证据尚需查证，暂未达到立案标准".into(),
                        },
                    )
                    && self.rng.chance(0.5)
                {
                    let order = answer + Duration::days(self.rng.range(3, 8));
                    if self.emit(&n, order, EventBody::FilingOrdered) && self.rng.chance(0.6) {
                        let on = order + Duration::days(self.rng.range(3, 12));
                        self.emit(
                            &n,
                            on,
                            EventBody::FilingDecided {
                                filed: true,
                                reason: String::new(),
                            },
                        );
                    }
                }
            }
            return;
        }
        let decided = day
            + Duration::days(if late {
                self.rng.range(4, 10)
            } else {
                self.rng.range(0, 3)
            });
        let filed = self.rng.chance(0.8);
        let reason = if filed || self.rng.chance(0.15) {
            String::new()
        } else {
            "没有犯罪事实".to_string()
        };
        if self.emit(&n, decided, EventBody::FilingDecided { filed, reason })
            && self.rng.chance(0.6)
        {
            let on = decided + Duration::days(self.rng.range(1, 7));
            let reached = self.rng.chance(0.9);
            let satisfied = reached.then(|| self.rng.chance(0.85));
            self.emit(
                &n,
                on,
                EventBody::CallBack {
                    reached,
                    satisfied,
                    note: String::new(),
                },
            );
        }
    }

    /// A valid 公民身份号码 of someone registered in `county` (GB 11643 check character).
    pub(crate) fn id_number(&mut self, county: &str, minor: bool, year: i32) -> String {
        let born_year = if minor {
            year - self.rng.range(14, 17) as i32
        } else {
            year - self.rng.range(19, 60) as i32
        };
        let born = NaiveDate::from_ymd_opt(born_year, 1, 1).unwrap_or_default()
            + Duration::days(self.rng.range(0, 364));
        let seq = self.rng.range(1, 999);
        let body = format!("{county}{}{seq:03}", born.format("%Y%m%d"));
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
        let sum: u32 = body
            .chars()
            .zip(W)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        format!("{body}{}", C[(sum % 11) as usize])
    }

    /// The county court tries the accused the procuratorate indicted, held: the same person
    /// (same identity number) now a 被告人; judged with a sentence unless still on trial.
    /// The court's trial of a defendant the procuratorate indicted in `review`; the procuratorate
    /// then receives the judgment and decides on 抗诉 (a sentence below its 量刑建议 now and then:
    /// 重罪轻判, reported for 同步备案审查).
    pub(crate) fn trial_of_the_accused(
        &mut self,
        county: &str,
        mut f: tianping_domain::event::Filing,
        indicted: NaiveDate,
        review: &str,
    ) {
        let court = org_id(AgencyKind::Court, county);
        let filed = indicted + Duration::days(self.rng.range(1, 4));
        let n = self.number(&court, "刑初", filed.year());
        for p in &mut f.parties {
            p.role = "被告人".into();
        }
        f.case_kind = None;
        f.org_id = None;
        f.in_custody = true;
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let mut day = filed + Duration::days(self.rng.range(5, 15));
        let judge = super::cases::person(&mut self.rng);
        if !self.emit(
            &n,
            day,
            EventBody::Assigned {
                judge,
                panel: vec![],
                division: Some("刑事审判庭".into()),
                clerk: None,
            },
        ) {
            return;
        }
        if self.rng.chance(0.08) {
            day += Duration::days(self.rng.range(3, 10));
            if !self.emit(
                &n,
                day,
                EventBody::BailGranted {
                    approver: Some(president("院长", &court)),
                },
            ) {
                return;
            }
        }
        day += Duration::days(self.rng.range(15, 50));
        let months = u32::try_from(self.rng.range(6, 60)).unwrap_or(12);
        if !self.emit(
            &n,
            day,
            EventBody::Closed {
                disposition: Disposition::Judgment,
                sentence_months: Some(months),
                amount_yuan: None,
                penalty: Some(tianping_domain::event::Penalty::FixedTerm),
            },
        ) {
            return;
        }
        let lighter = self.rng.chance(0.12);
        let recommended = if lighter {
            months + u32::try_from(self.rng.range(6, 18)).unwrap_or(6)
        } else {
            months.saturating_sub(u32::try_from(self.rng.range(0, 6)).unwrap_or(0))
        };
        let received = day + Duration::days(self.rng.range(1, 3));
        if !self.emit(
            review,
            received,
            EventBody::JudgmentReceived {
                ruling: false,
                sentence_months: Some(months),
                recommended_months: Some(recommended),
            },
        ) {
            return;
        }
        let decided = received + Duration::days(self.rng.range(3, 9));
        let protest = lighter && self.rng.chance(0.5);
        self.emit(
            review,
            decided,
            EventBody::ProtestDecided {
                protest,
                note: if protest {
                    "量刑畸轻，提出抗诉".into()
                } else {
                    String::new()
                },
            },
        );
    }

    pub(crate) fn custody_file(&mut self, county: &str, filed: NaiveDate) {
        let police = org_id(AgencyKind::Police, county);
        let proc_ = org_id(AgencyKind::Procuratorate, county);
        let year = filed.year();
        self.next_id += 0;
        let seq = {
            let s = self.seq.entry((police.clone(), "公", year)).or_insert(0);
            *s += 1;
            *s
        };
        let pn = format!("浙公{county}刑立字〔{year}〕{seq}号");
        let charge = (*self.rng.weighted(CHARGES)).to_string();
        let mut suspect = self.natural("犯罪嫌疑人");
        suspect.minor = self.rng.chance(0.04);
        suspect.id_number = Some(self.id_number(county, suspect.minor, filed.year()));
        let mut f = self.filing(&charge, vec![suspect]);
        f.case_kind = Some(CaseKind::Police);
        f.org_id = Some(police.clone());
        f.charges = vec![charge.clone()];
        if !self.emit(&pn, filed, EventBody::Filed(f.clone()))
            || !self.name_handler(&pn, filed, &police)
        {
            return;
        }
        let mut day = filed;
        if !self.emit(
            &pn,
            day,
            EventBody::Summoned {
                extended_to_24h: false,
            },
        ) {
            return;
        }
        // In the 执法办案管理中心: 讯问 under summons, then detained at its end (within its 12 hours,
        // CrimPL art. 119), delivered to the 看守所 and the family told — a few late.
        let recorded = !self.rng.chance(0.03);
        if !self.emit(&pn, day, EventBody::EnteredCaseArea)
            || !self.emit(
                &pn,
                day,
                EventBody::InterrogationStarted {
                    questioning: tianping_domain::event::Questioning::Interrogation,
                    recorded,
                },
            )
            || !self.emit(&pn, day, EventBody::InterrogationEnded)
            || !self.emit(&pn, day, EventBody::Detained)
            || !self.emit(&pn, day, EventBody::LeftCaseArea)
        {
            return;
        }
        let late = if self.rng.chance(0.05) { 2 } else { 0 };
        if !self.emit(
            &pn,
            day + Duration::days(late),
            EventBody::DeliveredToDetentionCenter,
        ) || !self.emit(
            &pn,
            day + Duration::days(late),
            EventBody::FamilyNotified {
                delay_reason: (late > 0).then(|| "家属联系方式不详".to_string()),
            },
        ) {
            return;
        }
        // 提请批捕 within 3 days; roving or gang cases get the 4-day extension first (art. 91).
        if self.rng.chance(0.2) {
            let ask = day + Duration::days(1);
            if !self.emit(
                &pn,
                ask,
                EventBody::ExtensionRequested {
                    amount: 4,
                    unit: PeriodUnit::Day,
                    reason: "流窜作案、结伙作案，需延长提请批准逮捕时间".into(),
                },
            ) || !self.emit(
                &pn,
                ask,
                EventBody::ExtensionApproved {
                    approver: president("公安局长", &police),
                    amount: 4,
                    unit: PeriodUnit::Day,
                    ground: None,
                },
            ) {
                return;
            }
            day += Duration::days(self.rng.range(4, 7));
        } else {
            day += Duration::days(self.rng.range(1, 3));
        }
        if !self.emit(&pn, day, EventBody::ArrestRequested) {
            return;
        }
        day += Duration::days(self.rng.range(2, 7));
        let approver = president("检察长", &proc_);
        if self.rng.chance(0.12) {
            if self.emit(
                &pn,
                day,
                EventBody::ArrestRefused {
                    approver,
                    reason: "不构成犯罪或证据不足".into(),
                },
            ) {
                self.emit(
                    &pn,
                    day,
                    EventBody::Released {
                        reason: "不批准逮捕".into(),
                    },
                );
            }
            return;
        }
        if !self.emit(&pn, day, EventBody::ArrestApproved { approver }) {
            return;
        }
        let arrested = day;
        let gap = self.rng.range(40, 85);
        // 提前介入、引导侦查取证: the procuratorate guided about two in five of the files it
        // arrested on (the 引导侦查取证率 counts them at transfer).
        let guided_on = arrested + Duration::days(self.rng.range(2, 20));
        if self.rng.chance(0.4)
            && !self.emit(
                &pn,
                guided_on,
                EventBody::EarlyIntervention {
                    note: "派员提前介入，就证据收集、固定提出意见".into(),
                },
            )
        {
            return;
        }
        // Complex cases: the higher procuratorate extends custody by a month (CrimPL art. 156).
        if gap > 55 {
            let ask = arrested + Duration::days(45);
            if !self.emit(
                &pn,
                ask,
                EventBody::ExtensionRequested {
                    amount: 1,
                    unit: PeriodUnit::Month,
                    reason: "案情复杂、期限届满不能终结".into(),
                },
            ) || !self.emit(
                &pn,
                ask + Duration::days(3),
                EventBody::ExtensionApproved {
                    approver: president("检察长", &org_id(AgencyKind::Procuratorate, &county[..4])),
                    amount: 1,
                    unit: PeriodUnit::Month,
                    ground: None,
                },
            ) {
                return;
            }
        }
        day += Duration::days(gap);
        if !self.emit(
            &pn,
            day,
            EventBody::Closed {
                disposition: Disposition::Transfer,
                sentence_months: None,
                amount_yuan: None,
                penalty: None,
            },
        ) {
            return;
        }
        // The procuratorate's review file.
        let review_year = day.year();
        let s2 = {
            let s = self
                .seq
                .entry((proc_.clone(), "检", review_year))
                .or_insert(0);
            *s += 1;
            *s
        };
        let qn = format!("浙检{county}刑诉〔{review_year}〕{s2}号");
        let mut g = f.clone();
        g.case_kind = Some(CaseKind::Prosecution);
        g.org_id = Some(proc_.clone());
        // Transferred held (arrested): the procuratorate receives the suspect in custody.
        g.in_custody = true;
        day += Duration::days(1);
        if !self.emit(&qn, day, EventBody::Filed(g))
            || !self.name_handler(&qn, day, &proc_)
            || !self.emit(&qn, day, EventBody::ProsecutionReviewStarted)
        {
            return;
        }
        // 羁押必要性审查 (CrimPL art. 95): most files record one; the rest are owed on the
        // person's page.
        if self.rng.chance(0.7) {
            let on = day + Duration::days(self.rng.range(2, 8));
            if !self.emit(
                &qn,
                on,
                EventBody::CustodyReviewed {
                    keep: true,
                    note: "犯罪嫌疑人可能判处徒刑以上刑罚，有继续羁押必要".into(),
                },
            ) {
                return;
            }
        }
        if self.rng.chance(0.15) {
            day += Duration::days(self.rng.range(15, 28));
            if !self.emit(
                &qn,
                day,
                EventBody::ReturnedForSupplementaryInvestigation {
                    reason: "部分事实不清、证据不足".into(),
                },
            ) {
                return;
            }
            day += Duration::days(self.rng.range(20, 30));
            if !self.emit(
                &qn,
                day,
                EventBody::ResubmittedAfterSupplementaryInvestigation,
            ) {
                return;
            }
        }
        day += Duration::days(self.rng.range(10, 30));
        if self.rng.chance(0.9) {
            if self.emit(&qn, day, EventBody::Indicted) {
                // Now and then the evidence changes before trial: 撤回起诉, then 不起诉 within
                // 30 days (同步备案审查 to the higher procuratorate).
                if self.rng.chance(0.04) {
                    let withdrawn = day + Duration::days(self.rng.range(8, 20));
                    let decided = withdrawn + Duration::days(self.rng.range(5, 25));
                    if self.emit(
                        &qn,
                        withdrawn,
                        EventBody::ProsecutionWithdrawn {
                            reason: "证据发生变化，不符合起诉条件".into(),
                        },
                    ) {
                        self.emit(
                            &qn,
                            decided,
                            EventBody::NotProsecuted {
                                reason: "证据不足".into(),
                            },
                        );
                    }
                } else {
                    self.trial_of_the_accused(county, f, day, &qn);
                }
            }
        } else {
            self.emit(
                &qn,
                day,
                EventBody::NotProsecuted {
                    reason: "犯罪情节轻微".into(),
                },
            );
        }
    }
}
