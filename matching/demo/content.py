"""The fixed text of the demo: the program, its form, rounds and criteria, and the word lists the
applicants are generated from. Everything here is invented except the program's public facts
(dates, tracks, 220 → 40 → 14 → 10); no name or address belongs to a real person."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
# The Matching Day took place at OpenAI's headquarters in San Francisco.
SAN_FRANCISCO = ZoneInfo("America/Los_Angeles")


def seoul(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SEOUL)


PROGRAM = {
    "slug": "gecp-2024-openai",
    "name_ko": "2024 글로벌 기업 협업 프로그램 (OpenAI)",
    "name_en": "Global Enterprise Collaboration Program 2024 (OpenAI)",
    "host": "중소벤처기업부 · 창업진흥원",
    "description_ko": (
        "중소벤처기업부가 글로벌 기업과 함께 국내 스타트업의 기술 협업과 해외 진출을 지원하는 프로그램입니다. "
        "OpenAI와 함께하는 이번 공고는 설립 10년 미만의 창업기업을 대상으로 두 개 분야(OpenAI API 활용, "
        "AI와 칩·로봇 등의 결합)에서 참여 기업을 모집합니다. 서면평가(분야별 20개사), OpenAI와 함께하는 "
        "대면평가(분야별 7개사)를 거쳐 2024년 3월 14일 미국 OpenAI 본사에서 열리는 매칭데이에서 최종 10개사를 "
        "선정합니다. 중소벤처기업부의 다른 창업지원사업에 선정되어 지원을 받고 있는 기업은 참여할 수 없습니다."
    ),
    "description_en": (
        "The Ministry of SMEs and Startups runs this program with global companies to help Korean startups "
        "collaborate with them and grow abroad. This call, with OpenAI, is open to startups founded less than "
        "10 years ago, in two tracks: building on the OpenAI API, and AI combined with chips, robots and the "
        "like. A written review keeps 20 per track, an in-person review with OpenAI keeps 7 per track, and "
        "OpenAI picks the final 10 at the Matching Day at its headquarters on 14 March 2024. Startups already "
        "funded by another of the Ministry's startup programs cannot take part."
    ),
    "opens_at": seoul(2023, 11, 3, 10),
    "closes_at": seoul(2023, 11, 17, 16),
    "time_zone": "Asia/Seoul",
    "max_company_age_years": 10,
    "quota": 10,
    "reserve_size": 4,
    "receipt_prefix": "GECP2024",
}
PROGRAM_CREATED_AT = seoul(2023, 10, 16, 10)
REVIEW_STARTED_AT = seoul(2023, 11, 20, 9)  # program closed → reviewing; applications submitted → in review
ROUND_ONE_ASSIGNED_AT = seoul(2023, 11, 20, 9, 30)
# The demo's "today": round 1 is part-way through scoring.
DEMO_NOW = seoul(2023, 11, 28, 18)

PARTNER = {"slug": "openai", "name": "OpenAI", "name_ko": "오픈AI", "website": "https://openai.com"}
PARTNER_SEATS = 10

STAFF_EMAIL = "admin@matchday.local"
STAFF_NAME = "운영 담당자"

TRACKS = [
    {
        "code": "api",
        "order": 1,
        "name_ko": "OpenAI API 활용 분야",
        "name_en": "Building on the OpenAI API",
        "description_ko": (
            "OpenAI의 API(GPT-4, Assistants, Whisper, DALL·E 등)를 활용해 서비스를 만들거나 고도화하는 기업"
        ),
        "description_en": (
            "Startups that build or improve a product on OpenAI's API (GPT-4, Assistants, Whisper, DALL·E …)."
        ),
        "admits_pre_founders": False,
        "share": 132,
    },
    {
        "code": "collab",
        "order": 2,
        "name_ko": "AI 융합 분야 (칩·로봇 등)",
        "name_en": "AI combined with chips, robots and the like",
        "description_ko": "AI 반도체, 로봇, 모빌리티, 디바이스 등 하드웨어와 AI 모델을 결합한 제품을 개발하는 기업",
        "description_en": "Startups that combine AI models with hardware: AI chips, robots, mobility, devices.",
        "admits_pre_founders": False,
        "share": 88,
    },
]

DECLARATIONS = [
    {
        "code": "tax_arrears",
        "text_ko": "현재 국세 또는 지방세를 체납하고 있습니까?",
        "text_en": "Are you currently in arrears on national or local taxes?",
        "reason_ko": "국세·지방세 체납 (신청 제외 대상)",
    },
    {
        "code": "loan_default",
        "text_ko": "금융기관 등으로부터 채무불이행(연체·부도)으로 규제를 받고 있습니까?",
        "text_en": "Are you under restrictions for defaulting on a loan (arrears, dishonoured bills)?",
        "reason_ko": "채무불이행으로 인한 금융 규제 중 (신청 제외 대상)",
    },
    {
        "code": "already_funded",
        "text_ko": (
            "중소벤처기업부의 다른 창업사업화 지원사업(창업도약패키지, 초격차 스타트업 1000+ 등)에 선정되어 "
            "현재 협약을 수행하고 있습니까?"
        ),
        "text_en": (
            "Are you currently funded by another of the Ministry's startup programs (Startup Leap Package, "
            "DIPS 1000+ …)?"
        ),
        "reason_ko": "중소벤처기업부 타 창업지원사업 수행 중 (중복 지원 제외)",
    },
]

STAGE_CHOICES = [
    {"value": "prototype", "label_ko": "시제품(MVP)", "label_en": "Prototype (MVP)"},
    {"value": "beta", "label_ko": "베타 서비스", "label_en": "Beta"},
    {"value": "launched", "label_ko": "정식 출시", "label_en": "Launched"},
    {"value": "scaling", "label_ko": "해외 확장", "label_en": "Scaling abroad"},
]
OPENAI_PRODUCT_CHOICES = [
    {"value": "gpt-4", "label_ko": "GPT-4 / GPT-4 Turbo", "label_en": "GPT-4 / GPT-4 Turbo"},
    {"value": "gpt-3.5", "label_ko": "GPT-3.5 Turbo", "label_en": "GPT-3.5 Turbo"},
    {"value": "assistants", "label_ko": "Assistants API", "label_en": "Assistants API"},
    {"value": "gpt-4v", "label_ko": "GPT-4V (이미지 이해)", "label_en": "GPT-4V (vision)"},
    {"value": "whisper", "label_ko": "Whisper (음성 인식)", "label_en": "Whisper (speech to text)"},
    {"value": "tts", "label_ko": "TTS (음성 합성)", "label_en": "TTS (text to speech)"},
    {"value": "dall-e", "label_ko": "DALL·E 3 (이미지 생성)", "label_en": "DALL·E 3 (image generation)"},
    {"value": "embeddings", "label_ko": "Embeddings (임베딩)", "label_en": "Embeddings"},
    {"value": "fine-tuning", "label_ko": "파인튜닝", "label_en": "Fine-tuning"},
]
# How often each product is picked (GPT-4 by most, image generation by few), and its name in a title.
OPENAI_PRODUCT_WEIGHTS = [10, 4, 5, 3, 3, 2, 2, 5, 3]
MODEL_NAMES = {
    "gpt-4": "GPT-4",
    "gpt-3.5": "GPT-3.5",
    "assistants": "Assistants API",
    "gpt-4v": "GPT-4V",
    "whisper": "Whisper",
    "tts": "OpenAI TTS",
    "dall-e": "DALL·E 3",
    "embeddings": "OpenAI 임베딩",
    "fine-tuning": "GPT 파인튜닝",
}

# kind, code, labels, help, and the kind's own setting; "track" limits a question to one track.
QUESTIONS = [
    {
        "code": "service_name",
        "kind": "short_text",
        "label_ko": "서비스(제품)명",
        "label_en": "Product name",
        "help_ko": "지원하는 서비스 또는 제품의 이름을 적어 주세요.",
        "help_en": "The name of the product or service you apply with.",
        "max_length": 100,
    },
    {
        "code": "problem",
        "kind": "long_text",
        "label_ko": "해결하려는 문제와 해결 방법",
        "label_en": "The problem you solve, and how",
        "help_ko": "고객이 겪는 문제와 우리 서비스의 해결 방식을 1,000자 이내로 적어 주세요.",
        "help_en": "Your customers' problem and how your product solves it, in at most 1,000 characters.",
        "max_length": 1000,
    },
    {
        "code": "openai_usage",
        "kind": "long_text",
        "label_ko": "OpenAI 기술 활용 계획",
        "label_en": "How you will use OpenAI technology",
        "help_ko": "활용 중이거나 활용할 OpenAI 모델·API와 협업 목표를 1,500자 이내로 적어 주세요.",
        "help_en": "The OpenAI models and APIs you use or will use, and what you want from the collaboration "
        "(at most 1,500 characters).",
        "max_length": 1500,
    },
    {
        "code": "hardware",
        "kind": "long_text",
        "track": "collab",
        "label_ko": "하드웨어(칩·로봇 등)와의 결합 방식",
        "label_en": "How AI meets your hardware (chips, robots …)",
        "help_ko": "AI 모델이 어떤 하드웨어에서 어떻게 동작하는지 1,000자 이내로 설명해 주세요.",
        "help_en": "Which hardware the AI model runs on or drives, and how (at most 1,000 characters).",
        "max_length": 1000,
    },
    {
        "code": "funding_krw",
        "kind": "number",
        "unit": "won",
        "label_ko": "누적 투자 유치 금액(원)",
        "label_en": "Investment raised so far (KRW)",
        "help_ko": "지원 시점까지 유치한 투자 금액의 합계를 원 단위로 적어 주세요. 없으면 0.",
        "help_en": "Total equity investment raised to date, in won; 0 if none.",
    },
    {
        "code": "launch_date",
        "kind": "date",
        "label_ko": "서비스 출시일(예정일)",
        "label_en": "Launch date (or planned launch date)",
        "help_ko": "정식 출시일 또는 출시 예정일.",
        "help_en": "When the product launched or is planned to launch.",
    },
    {
        "code": "demo_url",
        "kind": "url",
        "label_ko": "데모 또는 서비스 주소(URL)",
        "label_en": "Demo or product web address",
        "help_ko": "평가위원이 직접 확인할 수 있는 주소가 있으면 적어 주세요. (선택)",
        "help_en": "An address where evaluators can try the product, if you have one (optional).",
        "required": False,
    },
    {
        "code": "stage",
        "kind": "single_choice",
        "label_ko": "제품 개발 단계",
        "label_en": "Product stage",
        "help_ko": "현재 가장 가까운 단계를 하나 고르세요.",
        "help_en": "Pick the stage closest to where you are now.",
        "choices": STAGE_CHOICES,
    },
    {
        "code": "openai_products",
        "kind": "multiple_choice",
        "label_ko": "활용 중이거나 활용할 OpenAI 제품",
        "label_en": "OpenAI products you use or will use",
        "help_ko": "해당하는 것을 모두 고르세요.",
        "help_en": "Pick every one that applies.",
        "choices": OPENAI_PRODUCT_CHOICES,
    },
    {
        "code": "global_sales",
        "kind": "yes_no",
        "label_ko": "해외 매출 또는 해외 고객이 있습니까?",
        "label_en": "Do you have revenue or customers abroad?",
        "help_ko": "계약 또는 유료 고객 기준입니다.",
        "help_en": "Count signed contracts or paying customers.",
    },
    {
        "code": "pitch_deck",
        "kind": "file",
        "label_ko": "사업계획 발표자료 (PDF)",
        "label_en": "Pitch deck (PDF)",
        "file_types": ["pdf"],
        "help_ko": "15쪽 이내의 PDF 파일, 최대 20MB.",
        "help_en": "A PDF of at most 15 pages, up to 20 MB.",
        "max_file_size_mb": 20,
    },
]

ROUNDS = [
    {
        "order": 1,
        "name_ko": "1차 서면평가",
        "name_en": "Round 1: written review",
        "kind": "document",
        "opens_at": seoul(2023, 11, 20, 10),
        "closes_at": seoul(2023, 12, 1, 18),
        "evaluators_per_application": 3,
        "aggregation": "trimmed",
        "advancement_scope": "per_track",
        "advance_count": 20,
        "bonus_cap": Decimal("3"),
        "status": "scoring",
        "criteria": [
            (
                "technology",
                "기술성 및 혁신성",
                "Technology and innovation",
                "핵심 기술의 차별성과 완성도, 지식재산 확보 수준",
                "How distinctive and mature the core technology is, and the intellectual property behind it.",
                30,
                30,
                None,
            ),
            (
                "openai_fit",
                "OpenAI 기술 활용도",
                "Use of OpenAI technology",
                "OpenAI 모델·API 활용 계획의 구체성과 타당성 (40% 미만 과락)",
                "How concrete and sound the plan to use OpenAI's models and APIs is (below 40% fails).",
                25,
                25,
                Decimal("0.4"),
            ),
            (
                "market",
                "시장성 및 사업화 역량",
                "Market and commercialisation",
                "목표 시장의 규모와 성장성, 매출·고객 확보 실적",
                "Size and growth of the target market; revenue and customers so far.",
                25,
                25,
                None,
            ),
            (
                "team",
                "팀 역량",
                "Team",
                "대표자와 핵심 인력의 전문성과 실행 경험",
                "Expertise and track record of the founders and key people.",
                20,
                20,
                None,
            ),
        ],
        "bonus_rules": [
            ("women_owned", Decimal("1")),
            ("social_venture", Decimal("1")),
            ("disability_owned", Decimal("2")),
            ("non_capital_region", Decimal("1")),
        ],
    },
    {
        "order": 2,
        "name_ko": "2차 대면평가 (OpenAI 공동)",
        "name_en": "Round 2: presentation review with OpenAI",
        "kind": "presentation",
        "opens_at": seoul(2024, 1, 16, 9),
        "closes_at": seoul(2024, 1, 17, 18),
        "evaluators_per_application": 5,
        "aggregation": "trimmed",
        "advancement_scope": "per_track",
        "advance_count": 7,
        "bonus_cap": Decimal("0"),
        "status": "setup",
        "criteria": [
            (
                "pitch",
                "발표 및 질의응답",
                "Pitch and Q&A",
                "발표의 명확성과 질의에 대한 답변 수준",
                "How clear the pitch is and how well questions are answered.",
                20,
                20,
                None,
            ),
            (
                "global",
                "글로벌 진출 가능성",
                "Global potential",
                "해외 시장 진입 전략과 현지 수요 검증",
                "Plan for entering markets abroad and evidence of demand there.",
                30,
                30,
                None,
            ),
            (
                "synergy",
                "OpenAI 협업 시너지",
                "Synergy with OpenAI",
                "OpenAI와의 협업으로 기대되는 성과의 구체성 (40% 미만 과락)",
                "What collaboration with OpenAI would concretely achieve (below 40% fails).",
                30,
                30,
                Decimal("0.4"),
            ),
            (
                "execution",
                "실행 계획",
                "Execution plan",
                "협업 기간 중 목표와 일정, 필요 자원의 타당성",
                "Goals, timeline and resources for the collaboration period.",
                20,
                20,
                None,
            ),
        ],
        # final = 30% of round 1 + 70% of this round
        "carry_over": [(1, Decimal("0.3")), (2, Decimal("0.7"))],
    },
    {
        "order": 3,
        "name_ko": "3차 파트너 인터뷰 (매칭데이)",
        "name_en": "Round 3: partner interview (Matching Day)",
        "kind": "partner_interview",
        "partner": True,
        "opens_at": dt.datetime(2024, 3, 14, 9, tzinfo=SAN_FRANCISCO),
        "closes_at": dt.datetime(2024, 3, 14, 18, tzinfo=SAN_FRANCISCO),
        "evaluators_per_application": 3,
        "aggregation": "mean",
        "advancement_scope": "overall",
        "advance_count": 10,
        "bonus_cap": Decimal("0"),
        "status": "setup",
        "criteria": [
            (
                "strategic_fit",
                "전략적 적합성",
                "Strategic fit",
                "OpenAI의 제품·생태계 전략과의 부합도",
                "How well the startup fits OpenAI's product and ecosystem plans.",
                40,
                10,
                None,
            ),
            (
                "product",
                "제품 완성도",
                "Product maturity",
                "제품의 완성도와 실제 사용 사례",
                "How finished the product is, and real use so far.",
                30,
                10,
                None,
            ),
            (
                "scale",
                "글로벌 확장성",
                "Ability to scale",
                "글로벌 고객 확보와 확장 가능성",
                "Ability to win customers and grow worldwide.",
                30,
                10,
                None,
            ),
        ],
    },
]

SECTORS = [
    ("generative-ai", "생성형 AI", "Generative AI"),
    ("semiconductors", "반도체·AI 칩", "Semiconductors and AI chips"),
    ("robotics", "로보틱스", "Robotics"),
    ("healthcare", "헬스케어", "Healthcare"),
    ("fintech", "핀테크", "Fintech"),
    ("edtech", "에듀테크", "Edtech"),
    ("commerce", "커머스·리테일", "Commerce and retail"),
    ("content", "콘텐츠·미디어", "Content and media"),
    ("legal-hr", "리걸·HR테크", "Legal and HR tech"),
    ("security", "사이버보안", "Cybersecurity"),
    ("mobility", "모빌리티", "Mobility"),
    ("manufacturing", "스마트 제조", "Smart manufacturing"),
    ("climate", "기후·에너지", "Climate and energy"),
]
API_SECTORS = [
    "healthcare",
    "fintech",
    "edtech",
    "commerce",
    "content",
    "legal-hr",
    "security",
    "climate",
    "generative-ai",
]
COLLAB_SECTORS = ["semiconductors", "robotics", "mobility", "manufacturing"]

# sector → products (Korean, English), their customers (Korean), and the hardware for collab-track startups
PRODUCTS = {
    "generative-ai": [
        ("기업용 RAG 검색 플랫폼", "enterprise RAG search"),
        ("LLM 평가·모니터링 도구", "LLM evaluation"),
        ("AI 에이전트 업무 자동화", "AI agent automation"),
        ("한국어 특화 음성 비서", "Korean voice assistant"),
        ("프롬프트 관리 플랫폼", "prompt management"),
    ],
    "healthcare": [
        ("진료 기록 요약 AI", "clinical note summaries"),
        ("의료 상담 챗봇", "medical chat assistant"),
        ("의료영상 판독 보조", "imaging read-out assistant"),
        ("복약 관리 코치", "medication coaching"),
        ("정신건강 대화형 케어", "conversational mental-health care"),
    ],
    "fintech": [
        ("AI 자산관리 어드바이저", "AI wealth adviser"),
        ("금융 고객센터 자동화", "financial contact centre"),
        ("이상거래 탐지 설명 AI", "explainable fraud detection"),
        ("소상공인 세무 비서", "tax assistant"),
        ("기업 신용분석 리포트 생성", "credit report generation"),
    ],
    "edtech": [
        ("AI 영어 말하기 튜터", "AI English speaking tutor"),
        ("수학 풀이 피드백", "maths feedback"),
        ("교사용 수업자료 생성", "lesson material generation"),
        ("코딩 교육 어시스턴트", "coding tutor"),
        ("논술 첨삭 AI", "essay feedback"),
    ],
    "commerce": [
        ("상품 상세페이지 자동 생성", "product page generation"),
        ("쇼핑 상담 에이전트", "shopping agent"),
        ("구매 리뷰 분석 대시보드", "review analytics"),
        ("글로벌 셀러 번역·현지화", "seller localisation"),
        ("수요 예측 발주 추천", "demand forecasting"),
    ],
    "content": [
        ("웹툰 번역·식자 자동화", "webtoon translation"),
        ("영상 자막·더빙 생성", "video dubbing"),
        ("AI 작곡 플랫폼", "AI music composition"),
        ("게임 NPC 대화 엔진", "game NPC dialogue"),
        ("뉴스 요약 큐레이션", "news summaries"),
    ],
    "legal-hr": [
        ("계약서 검토 AI", "contract review"),
        ("채용 면접 분석", "interview analysis"),
        ("법률 상담 챗봇", "legal chat assistant"),
        ("사내 규정 Q&A 봇", "policy Q&A bot"),
        ("특허 명세서 작성 보조", "patent drafting"),
    ],
    "security": [
        ("보안관제 로그 분석 AI", "security log analysis"),
        ("피싱 메일 탐지", "phishing detection"),
        ("소스코드 취약점 진단", "code vulnerability scanning"),
        ("개인정보 비식별화", "data de-identification"),
    ],
    "climate": [
        ("건물 에너지 최적화", "building energy optimisation"),
        ("탄소배출 산정 자동화", "carbon accounting"),
        ("태양광 발전량 예측", "solar forecasting"),
        ("재활용 선별 비전 AI", "recycling vision"),
    ],
    "semiconductors": [
        ("온디바이스 AI 추론 칩", "on-device inference chip"),
        ("NPU 컴파일러", "NPU compiler"),
        ("저전력 엣지 AI 모듈", "low-power edge AI module"),
        ("AI 반도체 설계 검증 자동화", "chip design verification"),
        ("PIM 기반 AI 가속기", "processing-in-memory accelerator"),
    ],
    "robotics": [
        ("물류 피킹 로봇", "picking robot"),
        ("서빙·안내 로봇", "service robot"),
        ("협동로봇 자연어 제어", "natural-language cobot control"),
        ("돌봄 로봇", "care robot"),
        ("농업 수확 로봇", "harvesting robot"),
    ],
    "mobility": [
        ("자율주행 데이터 라벨링", "driving data labelling"),
        ("차량용 음성 에이전트", "in-car voice agent"),
        ("드론 관제 플랫폼", "drone operations"),
        ("전기차 충전 최적화", "EV charging optimisation"),
    ],
    "manufacturing": [
        ("설비 예지보전", "predictive maintenance"),
        ("비전 검사 AI", "visual inspection"),
        ("작업 지시서 자동 생성", "work instructions"),
        ("디지털 트윈 공정 최적화", "digital twin"),
    ],
}
CUSTOMERS = {
    "generative-ai": "국내외 기업 고객",
    "healthcare": "병원·의원",
    "fintech": "금융회사와 소상공인",
    "edtech": "학교·학원과 학습자",
    "commerce": "온라인 판매자",
    "content": "콘텐츠 제작사",
    "legal-hr": "기업 법무·인사팀",
    "security": "기업 보안팀",
    "climate": "건물·발전소 운영사",
    "semiconductors": "디바이스 제조사",
    "robotics": "물류·서비스 현장",
    "mobility": "완성차·모빌리티 기업",
    "manufacturing": "중소 제조 공장",
}
HARDWARE = {
    "semiconductors": ["자체 설계 NPU", "엣지 AI 칩", "AI 가속기 보드"],
    "robotics": ["협동로봇 팔", "자율주행 서비스 로봇", "모바일 매니퓰레이터"],
    "mobility": ["차량용 인포테인먼트 단말", "자율주행 센서 모듈", "산업용 드론"],
    "manufacturing": ["산업용 비전 카메라", "PLC·설비 센서", "스마트 글래스"],
}
PAINS = [
    "반복적인 업무에 전문 인력의 시간이 절반 이상 쓰이고 있습니다",
    "숙련 인력이 부족해 고객 대응과 품질 관리가 늦어지고 있습니다",
    "데이터는 쌓이지만 의사결정에 제대로 활용되지 못하고 있습니다",
    "해외 고객을 상대할 때 언어 장벽과 현지화 비용이 큽니다",
    "담당자마다 결과물 품질이 달라 고객 불만이 반복됩니다",
]
LIMITS = [
    "기존 규칙 기반 솔루션은 예외 상황을 처리하지 못합니다",
    "외주에 의존하면 비용과 시간이 크게 늘어납니다",
    "해외 솔루션은 한국어와 국내 규제를 충분히 지원하지 않습니다",
]
BENEFITS = [
    "처리 시간을 60% 이상 줄였습니다",
    "응답 정확도를 92%까지 끌어올렸습니다",
    "고객사 운영 비용을 연 30% 절감했습니다",
    "영어권·일본 시장 고객을 확보했습니다",
]
MILESTONES = [
    "2024년 상반기 미국 시장 파일럿 고객 3곳 확보",
    "2024년 말까지 월간 활성 사용자 10만 명 달성",
    "Assistants API 기반 신규 기능 출시와 유료 전환율 2배 향상",
    "파인튜닝 모델로 추론 비용 40% 절감",
]
SERVICE_NAME_SUFFIXES = ["AI", "Studio", "Copilot", "One", "Cloud", "Assist", "Pro", "Lens"]
TITLE_PATTERNS_API = [
    "{model} 기반 {product} 고도화",
    "{model} 기반 {product} 글로벌 확장",
    "{product} 서비스의 {model} 전환",
]
TITLE_PATTERNS_COLLAB = ["{hardware} × {model} 결합 {product} 실증", "{product}: {hardware}에 {model} 탑재"]

# Company names are a prefix and a suffix (transliterated), or a native Korean word with a suffix.
NAME_PREFIXES = [
    ("뉴럴", "Neural"),
    ("딥", "Deep"),
    ("코그니", "Cogni"),
    ("로보", "Robo"),
    ("퀀텀", "Quantum"),
    ("하이퍼", "Hyper"),
    ("메타", "Meta"),
    ("스마트", "Smart"),
    ("인사이트", "Insight"),
    ("시냅스", "Synapse"),
    ("픽셀", "Pixel"),
    ("벡터", "Vector"),
    ("텐서", "Tensor"),
    ("큐브", "Cube"),
    ("노바", "Nova"),
    ("루미", "Lumi"),
    ("에이블", "Able"),
    ("브레인", "Brain"),
    ("웨이브", "Wave"),
    ("클라우드", "Cloud"),
    ("실리콘", "Silicon"),
    ("모션", "Motion"),
    ("센스", "Sense"),
    ("링크", "Link"),
    ("비전", "Vision"),
    ("알고", "Algo"),
    ("코어", "Core"),
    ("플로우", "Flow"),
    ("엣지", "Edge"),
    ("오르빗", "Orbit"),
]
NAME_SUFFIXES = [
    ("랩스", "Labs"),
    ("웍스", "Works"),
    ("브릿지", "Bridge"),
    ("마인드", "Mind"),
    ("로직", "Logic"),
    ("에이아이", "AI"),
    ("테크", "Tech"),
    ("다이내믹스", "Dynamics"),
    ("시스템즈", "Systems"),
    ("포지", "Forge"),
    ("닷", "Dot"),
    ("필드", "Field"),
    ("허브", "Hub"),
    ("스퀘어", "Square"),
    ("메이트", "Mate"),
    ("봇", "Bot"),
    ("넷", "Net"),
    ("케어", "Care"),
    ("스페이스", "Space"),
    ("웨이브", "Wave"),
]
NATIVE_NAMES = [
    ("마음결", "Maeumgyeol"),
    ("온새미로", "Onsaemiro"),
    ("다솜", "Dasom"),
    ("누리", "Nuri"),
    ("가람", "Garam"),
    ("미리내", "Mirinae"),
    ("한울", "Hanul"),
    ("이음", "Ieum"),
    ("해솔", "Haesol"),
    ("라온", "Raon"),
    ("도담", "Dodam"),
    ("아라", "Ara"),
    ("윤슬", "Yunseul"),
    ("나래", "Narae"),
    ("여울", "Yeoul"),
    ("시나브로", "Sinabro"),
    ("찬솔", "Chansol"),
    ("별하", "Byeolha"),
    ("새봄", "Saebom"),
    ("솔빛", "Solbit"),
]
NATIVE_SUFFIXES = [
    ("에이아이", "AI"),
    ("랩", "Lab"),
    ("컴퍼니", "Company"),
    ("로보틱스", "Robotics"),
    ("헬스", "Health"),
]

SURNAMES = [
    ("김", "kim", 21),
    ("이", "lee", 15),
    ("박", "park", 8),
    ("최", "choi", 5),
    ("정", "jung", 5),
    ("강", "kang", 2),
    ("조", "cho", 2),
    ("윤", "yoon", 2),
    ("장", "jang", 2),
    ("임", "lim", 2),
    ("한", "han", 1),
    ("오", "oh", 1),
    ("서", "seo", 1),
    ("신", "shin", 1),
    ("권", "kwon", 1),
    ("황", "hwang", 1),
    ("안", "ahn", 1),
    ("송", "song", 1),
    ("류", "ryu", 1),
    ("전", "jeon", 1),
    ("홍", "hong", 1),
    ("고", "ko", 1),
    ("문", "moon", 1),
    ("양", "yang", 1),
    ("손", "son", 1),
    ("배", "bae", 1),
    ("백", "baek", 1),
    ("허", "heo", 1),
    ("남", "nam", 1),
    ("노", "noh", 1),
]
GIVEN_NAMES_MALE = [
    ("민준", "minjun"),
    ("서준", "seojun"),
    ("도윤", "doyun"),
    ("예준", "yejun"),
    ("시우", "siwoo"),
    ("하준", "hajun"),
    ("지호", "jiho"),
    ("주원", "juwon"),
    ("지후", "jihu"),
    ("준우", "junwoo"),
    ("현우", "hyunwoo"),
    ("건우", "gunwoo"),
    ("우진", "woojin"),
    ("선우", "sunwoo"),
    ("민재", "minjae"),
    ("현준", "hyunjun"),
    ("연우", "yeonwoo"),
    ("정우", "jungwoo"),
    ("승우", "seungwoo"),
    ("승현", "seunghyun"),
    ("동현", "donghyun"),
    ("재원", "jaewon"),
    ("성민", "sungmin"),
    ("태윤", "taeyoon"),
    ("상훈", "sanghoon"),
    ("영호", "youngho"),
    ("정훈", "junghoon"),
    ("성호", "sungho"),
    ("재혁", "jaehyuk"),
    ("경수", "kyungsoo"),
    ("진혁", "jinhyuk"),
    ("종민", "jongmin"),
]
GIVEN_NAMES_FEMALE = [
    ("서연", "seoyeon"),
    ("서윤", "seoyun"),
    ("지우", "jiwoo"),
    ("서현", "seohyun"),
    ("민서", "minseo"),
    ("하은", "haeun"),
    ("하윤", "hayun"),
    ("윤서", "yunseo"),
    ("지민", "jimin"),
    ("채원", "chaewon"),
    ("수아", "sua"),
    ("예은", "yeeun"),
    ("수빈", "subin"),
    ("은지", "eunji"),
    ("혜진", "hyejin"),
    ("수진", "sujin"),
    ("지현", "jihyun"),
    ("미영", "miyoung"),
    ("은영", "eunyoung"),
    ("소영", "soyoung"),
    ("유진", "yujin"),
    ("다은", "daeun"),
    ("예린", "yerin"),
    ("나연", "nayeon"),
]

# The written-review panel: invented people at invented organisations (domains under example.org).
PANEL = [
    ("김재현", "jaehyun.kim", "가온벤처스", "gaonvc", ["generative-ai", "commerce", "fintech"]),
    ("이수정", "sujeong.lee", "가온벤처스", "gaonvc", ["healthcare", "edtech"]),
    ("박준형", "junhyung.park", "다온인베스트먼트", "daoninvest", ["semiconductors", "manufacturing"]),
    ("최윤아", "yuna.choi", "다온인베스트먼트", "daoninvest", ["content", "commerce", "edtech"]),
    ("정민호", "minho.jung", "세움액셀러레이터", "seumaccel", ["generative-ai", "legal-hr", "security"]),
    ("한지원", "jiwon.han", "세움액셀러레이터", "seumaccel", ["fintech", "climate"]),
    ("윤상철", "sangcheol.yoon", "한빛파트너스", "hanbitpartners", ["robotics", "mobility"]),
    ("강혜린", "hyerin.kang", "한빛파트너스", "hanbitpartners", ["healthcare", "generative-ai"]),
    ("오동석", "dongseok.oh", "누리기술투자", "nuritech", ["semiconductors", "robotics"]),
    ("서미경", "mikyung.seo", "누리기술투자", "nuritech", ["climate", "manufacturing", "mobility"]),
    ("임태호", "taeho.lim", "한결대학교 인공지능대학원", "hangyeol-univ", ["generative-ai", "security"]),
    ("송은비", "eunbi.song", "한결대학교 인공지능대학원", "hangyeol-univ", ["edtech", "content"]),
    ("권오성", "ohsung.kwon", "서진대학교 전자공학부", "seojin-univ", ["semiconductors", "robotics"]),
    ("문채은", "chaeeun.moon", "미래기술정책연구원", "mirae-institute", ["legal-hr", "fintech", "healthcare"]),
    ("배성우", "sungwoo.bae", "미래기술정책연구원", "mirae-institute", ["mobility", "manufacturing", "climate"]),
]
# Panel members who also sit on the presentation review (round 2), by their place in PANEL.
ROUND_TWO_PANEL = [0, 4, 7, 8, 13]
OPENAI_STAFF = [
    ("Alex Rivera", "alex.rivera", "Head of Startup Partnerships"),
    ("Priya Natarajan", "priya.natarajan", "Solutions Architect"),
    ("Daniel Cho", "daniel.cho", "Developer Relations"),
]
CONFLICT_REASONS = [
    "전 직장 동료가 공동창업자로 재직 중",
    "해당 기업의 자문위원으로 활동 중",
    "소속 펀드가 해당 기업에 투자함",
    "대표자와 같은 연구실 출신",
    "최근 3년 이내 해당 기업과 공동 연구 수행",
    "가족이 해당 기업에 재직 중",
]
REVIEW_COMMENTS = {
    "high": [
        "기술 완성도가 높고 OpenAI API 활용 계획이 구체적임.",
        "해외 고객 확보 실적이 있어 글로벌 협업 가능성이 높음.",
        "팀의 실행 경험이 풍부하고 사업화 전략이 명확함.",
        "문제 정의가 명확하며 시장 검증 근거가 충분함.",
    ],
    "mid": [
        "아이디어는 우수하나 사업화 계획의 구체성 보완이 필요함.",
        "기술 차별성은 있으나 경쟁 서비스 대비 우위가 불분명함.",
        "OpenAI 협업을 통해 얻고자 하는 목표를 더 구체화할 필요가 있음.",
        "매출 실적이 아직 작아 시장성 검증이 더 필요함.",
    ],
    "low": [
        "OpenAI 기술과의 연계가 불분명함.",
        "시장 규모 추정 근거가 부족하고 수익 모델이 모호함.",
        "핵심 기술의 자체 개발 비중이 낮음.",
    ],
}
