"""The one list of audit actions: every name `citykpi.audit.log.record` accepts, with its
Thai and English label for the history pages (citykpi.audit.history) and the setup
negotiation history (citykpi.planning.views).

A name is ``<object>.<verb>``; the object is the thing the row is about (``kpi`` for a KPI,
whatever the code calls its model). An unknown name is refused when the row is written,
so a typo fails loudly in the test suite instead of leaving an unlabelled row.
"""

from __future__ import annotations

ACTIONS: dict[str, tuple[str, str]] = {
    # the quarterly report (citykpi.reporting, citykpi.evaluation)
    "report.save": ("บันทึกผลงาน", "Saved the result"),
    "report.submit": ("ส่งรายงาน", "Submitted"),
    "report.recall": ("เรียกคืนรายงาน", "Recalled"),
    "report.return": ("ส่งกลับแก้ไข", "Returned for revision"),
    "report.assess": ("ประเมิน", "Assessed"),
    "report.reopen": ("เปิดให้แก้ไข", "Reopened"),
    "report.return_draft": ("ผู้บริหารส่งร่างกลับให้ผู้รายงาน", "The head returned the draft to the reporter"),
    # the conversation of a quarter (citykpi.discussion)
    "thread.comment": ("แสดงความเห็น", "Commented"),
    "attention.seen": ("อ่านรายการที่ต้องดูแล", "Marked the attention list as read"),
    "evidence.add": ("แนบหลักฐาน", "Attached evidence"),
    "evidence.remove": ("นำหลักฐานออก", "Removed evidence"),
    # explaining a red quarter, claims bound to evidence (citykpi.reporting.commitments, .claims)
    "cause.add": ("ระบุสาเหตุที่ผลงานต่ำกว่าแผน", "Gave a cause of being behind plan"),
    "cause.remove": ("ลบสาเหตุ", "Removed a cause"),
    "commitment.add": ("เพิ่มแนวทางแก้ไข", "Added a corrective action"),
    "commitment.update": ("ติดตามแนวทางแก้ไข", "Updated a corrective action"),
    "claim.add": ("อ้างอิงหลักฐานของผลงาน", "Cited evidence for a claim"),
    "claim.remove": ("ลบการอ้างอิงหลักฐาน", "Removed a claim"),
    # setting up a fiscal year (citykpi.planning)
    "fiscal_year.create": ("สร้างปีงบประมาณ", "Created the fiscal year"),
    "fiscal_year.publish": ("เผยแพร่ปีงบประมาณ", "Published the fiscal year"),
    "fiscal_year.unpublish": ("ยกเลิกการเผยแพร่ปีงบประมาณ", "Unpublished the fiscal year"),
    "template.create": ("สร้างแม่แบบตัวชี้วัด", "Created a KPI template"),
    "template.update": ("แก้ไขแม่แบบตัวชี้วัด", "Edited a KPI template"),
    "template.activate": ("เปิดใช้แม่แบบ", "Activated a template"),
    "template.deactivate": ("ปิดใช้แม่แบบ", "Deactivated a template"),
    "template.assign": ("มอบหมายแม่แบบ", "Assigned a template"),
    "kpi.assign": ("มอบหมายตัวชี้วัด", "Assigned a KPI"),
    "kpi.carry_forward": ("ยกตัวชี้วัดมาจากปีก่อน", "Carried a KPI forward"),
    "kpi.definition_update": ("แก้ไขนิยามตัวชี้วัด", "Edited the KPI's definition"),
    "kpi.template_change": ("เปลี่ยนแม่แบบของตัวชี้วัด", "Changed the KPI's template"),
    "kpi.reopen": ("เปิดให้แก้ไขตัวชี้วัด", "KPI reopened"),
    "definition.approve": ("อนุมัตินิยามตัวชี้วัด", "Approved the definition"),
    "plan.update": ("แก้ไขแผนรายไตรมาส", "Edited the quarterly plan"),
    "plan.counter_propose": ("สยป. เสนอปรับแผน", "Counter-proposed the plan"),
    "setup.propose": ("เสนอค่าเป้าหมาย", "Proposed"),
    "setup.comment": ("ข้อเสนอแนะ", "Comment"),
    "setup.counter_propose": ("สยป. เสนอปรับ", "Counter-proposal"),
    "setup.approve": ("อนุมัติ", "Approved"),
    "setup.reopen": ("เปิดให้แก้ไข", "Reopened"),
    "strategy_plan.create": ("สร้างแผนยุทธศาสตร์", "Created a strategy plan"),
    "strategy_node.create": ("สร้างหัวข้อในแผนยุทธศาสตร์", "Created a strategy node"),
    "strategy_node.update": ("ปรับหัวข้อในแผนยุทธศาสตร์", "Updated a strategy node"),
    "dimension.create": ("สร้างมิติการประเมิน", "Created an evaluation dimension"),
    # background jobs (citykpi.jobs)
    "job.start": ("เริ่มงานเบื้องหลัง", "Started a background job"),
    # imports (citykpi.exchange)
    "kpi.import": ("นำเข้าตัวชี้วัด", "Imported a KPI"),
    "kpi.update_from_legacy": ("ปรับตัวชี้วัดจากระบบเดิม", "Updated a KPI from the legacy site"),
    "agency.create_placeholder": ("สร้างหน่วยงานชั่วคราว", "Created a placeholder agency"),
    "agency.name_from_legacy": ("ตั้งชื่อหน่วยงานจากระบบเดิม", "Named an agency from the legacy site"),
    "unit.create": ("สร้างหน่วยนับ", "Created a unit"),
    "project.import": ("นำเข้าโครงการ", "Imported a project"),
    "project.update_from_legacy": ("ปรับโครงการจากระบบเดิม", "Updated a project from the legacy site"),
    "city_indicator.import": ("นำเข้าตัวชี้วัดเมือง", "Imported a city indicator"),
    "city_indicator.update_from_legacy": (
        "ปรับตัวชี้วัดเมืองจากระบบเดิม",
        "Updated a city indicator from the legacy site",
    ),
    # the setup workbook (citykpi.exchange.setup)
    "setup.import": ("นำเข้าสมุดงานตั้งค่าระบบ", "Imported a setup workbook"),
    "agency.create": ("สร้างหน่วยงาน", "Created an agency"),
    "agency.update": ("แก้ไขหน่วยงาน", "Edited an agency"),
    "unit.update": ("แก้ไขหน่วยนับ", "Edited a unit"),
    "strategy_plan.update": ("แก้ไขแผนยุทธศาสตร์", "Edited a strategy plan"),
    "dimension.update": ("แก้ไขมิติการประเมิน", "Edited an evaluation dimension"),
    "fiscal_year.update": ("แก้ไขปีงบประมาณ", "Edited the fiscal year"),
    "user.create": ("สร้างบัญชีผู้ใช้", "Created an account"),
    "user.update": ("แก้ไขบัญชีผู้ใช้", "Edited an account"),
    "kpi.update_from_setup": ("ปรับตัวชี้วัดจากสมุดงานตั้งค่า", "Updated a KPI from the setup workbook"),
    # reorganisations (citykpi.agencies.actions)
    "agency.rename": ("เปลี่ยนชื่อหน่วยงาน", "Renamed an agency"),
    "agency.move": ("ย้ายสังกัดหน่วยงาน", "Moved an agency to another parent"),
    "agency.split": ("แยกหน่วยงาน", "Split an agency"),
    "agency.merge": ("รวมหน่วยงาน", "Merged agencies"),
    "agency.end": ("สิ้นสุดหน่วยงาน", "Ended an agency"),
    "kpi.move_agency": ("โอนตัวชี้วัดไปหน่วยงานใหม่", "Moved a KPI to a successor agency"),
    "project.move_agency": ("โอนโครงการไปหน่วยงานใหม่", "Moved a project to a successor agency"),
    "setup.move_agency": (
        "โอนการกำหนดตัวชี้วัดประจำปีไปหน่วยงานใหม่",
        "Moved a fiscal-year setup to a successor agency",
    ),
    # data quality (citykpi.quality)
    "quality.refresh": ("ตรวจคุณภาพข้อมูล", "Checked data quality"),
    "quality.refresh_year": ("ตรวจคุณภาพข้อมูลทั้งปี", "Checked the year's data quality"),
    "quality.settings": ("แก้ไขเกณฑ์สถานะ", "Changed the status thresholds"),
    # who may do what (citykpi.accounts)
    "token.issue": ("ออกโทเค็น API", "Issued an API token"),
    "token.revoke": ("ยกเลิกโทเค็น API", "Revoked an API token"),
    "role.grant": ("ให้บทบาท", "Granted a role"),
    "role.change": ("เปลี่ยนบทบาท", "Changed a role"),
    "role.revoke": ("ถอนบทบาท", "Revoked a role"),
    "lockout.lift": ("ปลดล็อกการเข้าสู่ระบบ", "Lifted a sign-in lockout"),
    # sign-in with the directory (citykpi.accounts.ldap)
    "role.directory_grant": ("ให้บทบาทตามกลุ่มในไดเรกทอรี", "Granted a role from a directory group"),
    "role.directory_revoke": (
        "ถอนบทบาทที่กลุ่มในไดเรกทอรีไม่ให้แล้ว",
        "Revoked a role no directory group gives any more",
    ),
    "directory_mapping.create": ("เพิ่มการจับคู่กลุ่มในไดเรกทอรีกับบทบาท", "Mapped a directory group to a role"),
    "directory_mapping.change": ("แก้ไขการจับคู่กลุ่มในไดเรกทอรีกับบทบาท", "Changed a directory group's role"),
    "directory_mapping.delete": ("ลบการจับคู่กลุ่มในไดเรกทอรีกับบทบาท", "Removed a directory group's role"),
    # the public search's synonym list (citykpi.publicdata.search)
    "synonym.save": ("บันทึกคำพ้องในการค้นหา", "Saved a search synonym"),
    "synonym.delete": ("ลบคำพ้องในการค้นหา", "Deleted a search synonym"),
    # tools
    "demo.load": ("โหลดข้อมูลตัวอย่าง", "Loaded the demo data"),
}


def label(action: str) -> tuple[str, str]:
    """The (Thai, English) label of an action; the name itself for one no longer in use."""
    return ACTIONS.get(action, (action, action))


def check(action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(
            f"Unknown audit action {action!r}: add it with its labels to citykpi.audit.catalogue.ACTIONS"
        )
    return action
