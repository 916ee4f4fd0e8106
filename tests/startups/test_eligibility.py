import datetime as dt

from startups.eligibility import DeclarationAnswered, eligibility_reasons

SUBMITTED_ON = dt.date(2023, 11, 17)


def reasons(**overrides):
    arguments = {
        "max_company_age_years": 10,
        "founded_on": dt.date(2020, 1, 1),
        "is_pre_founder": False,
        "track_admits_pre_founders": False,
        "declarations": [],
        "on": SUBMITTED_ON,
    }
    arguments.update(overrides)
    return eligibility_reasons(**arguments)


def test_a_young_company_with_clean_declarations_is_eligible():
    assert reasons(declarations=[DeclarationAnswered("체납", answer=False, excluding_answer=True)]) == []


def test_a_company_at_the_age_limit_on_the_submission_date_is_not_eligible():
    assert len(reasons(founded_on=dt.date(2013, 11, 17))) == 1


def test_an_excluding_declaration_is_named_in_the_reason():
    found = reasons(declarations=[DeclarationAnswered("타 사업 기수혜", answer=True, excluding_answer=True)])

    assert len(found) == 1 and "타 사업 기수혜" in found[0]


def test_a_pre_founder_is_eligible_only_where_the_track_admits_them():
    assert reasons(is_pre_founder=True, founded_on=None, track_admits_pre_founders=True) == []
    assert len(reasons(is_pre_founder=True, founded_on=None, track_admits_pre_founders=False)) == 1


def test_every_reason_is_listed_not_just_the_first():
    found = reasons(
        founded_on=dt.date(2001, 1, 1),
        declarations=[
            DeclarationAnswered("체납", answer=True, excluding_answer=True),
            DeclarationAnswered("기수혜", answer=True, excluding_answer=True),
        ],
    )

    assert len(found) == 3
