-- An opinion is raised as a supervision item once: two supervisors of the procuratorate above
-- pressing at the same moment get one item (the second write is refused by the index).
CREATE UNIQUE INDEX supervision_items_opinion_once ON supervision_items(source_ref) WHERE source = 'supervisor_opinion';
