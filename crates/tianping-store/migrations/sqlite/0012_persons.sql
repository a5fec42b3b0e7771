-- One person across agencies (issue 21): a person is a 公民身份号码 named by a party of some file;
-- case_persons links each file to the persons it names (a projection of the filing events).
CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    id_number TEXT NOT NULL UNIQUE
);

CREATE TABLE case_persons (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_persons_person ON case_persons(person_id);
