"""What the programme can pay for, and the fixed vocabularies of an application.

Support types follow the national programme (Decision 1322/QĐ-TTg of 31/08/2020 approving the
National programme to support enterprises in raising productivity and the quality of products
and goods, 2021–2030): management systems and standards, productivity tools, barcodes and
traceability. A province's call chooses which of them it funds, with its own cost share and cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from innovation_hub.core.i18n import N_, Labels, current_locale

NATIONAL_PROGRAMME = (
    "Quyết định số 1322/QĐ-TTg ngày 31/8/2020 của Thủ tướng Chính phủ phê duyệt Chương trình "
    "quốc gia hỗ trợ doanh nghiệp nâng cao năng suất và chất lượng sản phẩm, hàng hóa giai "
    "đoạn 2021–2030"
)


@dataclass(frozen=True)
class SupportType:
    code: str
    group: str  # management_system | tool | identification
    label_en: str
    label_vi: str

    def label(self, locale: str | None = None) -> str:
        return self.label_vi if (locale or current_locale()) == "vi" else self.label_en


_TYPES = (
    SupportType(
        "iso_9001",
        "management_system",
        "ISO 9001 quality management system",
        "Hệ thống quản lý chất lượng ISO 9001",
    ),
    SupportType(
        "iso_14001",
        "management_system",
        "ISO 14001 environmental management system",
        "Hệ thống quản lý môi trường ISO 14001",
    ),
    SupportType(
        "iso_22000",
        "management_system",
        "ISO 22000 food safety management system",
        "Hệ thống quản lý an toàn thực phẩm ISO 22000",
    ),
    SupportType(
        "iso_45001",
        "management_system",
        "ISO 45001 occupational health and safety management system",
        "Hệ thống quản lý an toàn và sức khỏe nghề nghiệp ISO 45001",
    ),
    SupportType(
        "haccp",
        "management_system",
        "HACCP hazard analysis and critical control points",
        "Hệ thống phân tích mối nguy và điểm kiểm soát tới hạn HACCP",
    ),
    SupportType(
        "gmp", "management_system", "GMP good manufacturing practice", "Thực hành sản xuất tốt GMP"
    ),
    SupportType(
        "vietgap",
        "management_system",
        "VietGAP good agricultural practice",
        "Thực hành sản xuất nông nghiệp tốt VietGAP",
    ),
    SupportType(
        "globalgap",
        "management_system",
        "GLOBALG.A.P. good agricultural practice",
        "Thực hành nông nghiệp tốt toàn cầu GlobalGAP",
    ),
    SupportType(
        "iso_50001",
        "management_system",
        "ISO 50001 energy management system",
        "Hệ thống quản lý năng lượng ISO 50001",
    ),
    SupportType(
        "iso_iec_17025",
        "management_system",
        "ISO/IEC 17025 competence of testing and calibration laboratories",
        "Hệ thống quản lý phòng thử nghiệm, hiệu chuẩn ISO/IEC 17025",
    ),
    SupportType(
        "conformity_certification",
        "management_system",
        "Certification of conformity to standards and technical regulations",
        "Chứng nhận hợp chuẩn, hợp quy",
    ),
    SupportType("5s", "tool", "5S workplace organisation", "Công cụ 5S"),
    SupportType("kaizen", "tool", "Kaizen continuous improvement", "Cải tiến liên tục Kaizen"),
    SupportType("lean", "tool", "Lean production", "Sản xuất tinh gọn Lean"),
    SupportType(
        "tpm", "tool", "TPM total productive maintenance", "Duy trì năng suất toàn diện TPM"
    ),
    SupportType("kpi", "tool", "KPI key performance indicators", "Chỉ số đánh giá hiệu suất KPI"),
    SupportType("bsc", "tool", "BSC balanced scorecard", "Thẻ điểm cân bằng BSC"),
    SupportType("tqm", "tool", "TQM total quality management", "Quản lý chất lượng toàn diện TQM"),
    SupportType("qcc", "tool", "QCC quality control circles", "Nhóm kiểm soát chất lượng QCC"),
    SupportType(
        "mfca",
        "tool",
        "MFCA material flow cost accounting",
        "Hạch toán chi phí dòng nguyên vật liệu MFCA",
    ),
    SupportType("barcode", "identification", "Barcodes (GS1)", "Mã số, mã vạch (GS1)"),
    SupportType(
        "traceability", "identification", "Product traceability", "Truy xuất nguồn gốc sản phẩm"
    ),
)

SUPPORT_TYPES: dict[str, SupportType] = {t.code: t for t in _TYPES}


def support_type_label(code: str) -> str:
    known = SUPPORT_TYPES.get(code)
    return known.label() if known else code


group_label = Labels(
    {
        "management_system": N_("Management systems and standards"),
        "tool": N_("Productivity and quality tools"),
        "identification": N_("Barcodes and traceability"),
    }
)

# Built-in scoring criteria and required documents: stored by code with an empty label, and
# shown in the reader's language. A call may add its own, written out.
builtin_criterion_label = Labels(
    {
        "need": N_("Need and fit with the programme"),
        "plan": N_("Quality and feasibility of the implementation plan"),
        "consultant": N_("Capacity of the consulting organisation"),
        "commitment": N_("The enterprise's commitment and own contribution"),
        "impact": N_("Expected gains in productivity and quality"),
    }
)
DEFAULT_CRITERIA = builtin_criterion_label.codes
DEFAULT_DOCUMENTS = ("registration", "proposal", "quotation", "financials")
builtin_document_label = Labels(
    {
        "registration": N_("Enterprise registration certificate"),
        "proposal": N_("Proposal and implementation plan"),
        "quotation": N_("Consulting contract or quotation"),
        "financials": N_("Financial statements of the last year"),
        "other": N_("Other document"),
        "evidence": N_("Milestone evidence"),
    }
)

size_class_label = Labels(
    {
        "micro": N_("Micro enterprise"),
        "small": N_("Small enterprise"),
        "medium": N_("Medium-sized enterprise"),
        "large": N_("Large enterprise"),
    }
)
SIZE_CLASSES = size_class_label.codes
sector_label = Labels(
    {
        "agriculture": N_("Agriculture, forestry and fisheries"),
        "industry_construction": N_("Industry and construction"),
        "trade_services": N_("Trade and services"),
    }
)
SECTORS = sector_label.codes

# Who issues a programme decision: never the centre itself.
decision_authority_label = Labels(
    {
        "department": N_("Department of Science and Technology"),
        "people_committee": N_("Provincial People's Committee"),
    }
)
DECISION_AUTHORITIES = decision_authority_label.codes
# The sizes a call may give its own cost share (a large enterprise is not supported).
SHARE_SIZES = ("micro", "small", "medium")
