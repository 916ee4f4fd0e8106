"""The demo's personal-data statements: the site's terms agreed to at sign-up and one statement per
demo program, so a newcomer who signs up and submits sees the consent steps as a real program has them."""

from __future__ import annotations

from matching.models import Program
from privacy.models import PrivacyStatement
from privacy.services import statement_current, statement_save

SITE_TERMS = {
    "purpose_ko": "Matchday 계정의 생성과 로그인, 신청 사업의 안내",
    "purpose_en": "Creating and signing in to a Matchday account; news of the programs applied to",
    "items_ko": "이메일 주소, 비밀번호(암호화 저장), 접속 기록",
    "items_en": "E-mail address, password (stored hashed), sign-in records",
    "text_ko": (
        "Matchday는 계정을 만들고 로그인하는 데 필요한 이메일 주소와 비밀번호만 받습니다. "
        "계정을 삭제하거나 보존 기간이 지나면 개인정보를 파기합니다. 내 정보 페이지에서 보관 중인 "
        "정보를 언제든지 내려받을 수 있습니다."
    ),
    "text_en": (
        "Matchday asks only for the e-mail address and password an account needs. Personal data is "
        "destroyed when the account is erased or the retention period ends. You can download what we "
        "hold about you at any time from the My data page."
    ),
    "retention_months": 36,
}

PROGRAM_STATEMENT = {
    "purpose_ko": "지원 자격 확인, 서면·대면 평가, 선정 결과 안내, 파트너사와의 협업 매칭",
    "purpose_en": "Checking eligibility, evaluation, announcing results, matching with partners",
    "items_ko": "대표자 성명, 담당자 이메일, 기업 정보(사업자등록번호, 설립일, 매출), 신청서 답변과 첨부파일",
    "items_en": "CEO name, contact e-mail, company details (BRN, founding date, revenue), answers and files",
    "text_ko": (
        "수집한 개인정보는 이 사업의 선정과 협업 매칭에만 이용합니다. 최종 후보로 진출한 기업의 신청서는 "
        "파트너사에 제공됩니다. 사업 종료 후 보존 기간이 지나면 개인정보와 첨부파일을 파기하고, 통계에 "
        "필요한 점수와 건수만 남깁니다. 동의를 거부할 수 있으나, 이 경우 신청서를 제출할 수 없습니다."
    ),
    "text_en": (
        "Personal data is used only to select startups for this program and match them with partners. The "
        "applications of finalists are shared with the partners. When the retention period after the program "
        "ends has passed, personal data and files are destroyed; only scores and counts are kept for "
        "statistics. You may refuse, but then the application cannot be submitted."
    ),
    "retention_months": 36,
}


def demo_privacy_statements_ensure(*, programs: list[Program]) -> int:
    """Publish the site's terms and each program's statement unless one is published already.
    Returns how many were published (0 on a second run)."""
    published = 0
    for program in [None, *programs]:
        if statement_current(program=program) is not None:
            continue
        values = SITE_TERMS if program is None else PROGRAM_STATEMENT
        statement_save(statement=PrivacyStatement(program=program, **values), by=None)
        published += 1
    return published
