#!/usr/bin/env python3
"""Write the sample files whose *bytes* matter (encodings, line endings,
binary junk, empty file, unsupported format) into samples/inbox/.

Standard library only; output is deterministic (fixed random seeds).
Run from anywhere:  python3 samples/tools/make_special.py
"""
import random
from pathlib import Path

INBOX = Path(__file__).resolve().parent.parent / "inbox"

# ---------------------------------------------------------------------------
# 1. GBK-encoded plain text (西湖县人大)
# ---------------------------------------------------------------------------
GBK_TXT = """\
西湖县人大常委会预算联网监督系统实现县乡两级全覆盖
报送单位：西湖县人大常委会
作者：孙丽（60%）、钱伟（40%）
日期：2026-11-06
栏目：监督视窗
标签：预算审查监督、预算联网监督、数字人大
类型：信息

　　近日，西湖县人大常委会预算联网监督系统乡镇端全面上线运行，全县9个乡镇人大全部接入系统，实现县乡两级预算联网监督全覆盖。
　　西湖县人大常委会于2024年建成预算联网监督系统，与县财政局国库集中支付系统、县税务局、县社保中心等8个部门的数据实现对接，可以对县级预算执行情况进行实时查询、动态分析和预警提示。今年以来，县人大常委会投入资金46万元，对系统进行升级改造，新增乡镇财政预算执行、政府债务管理、国有资产管理等3个监督模块。
　　系统运行以来，累计发出预警提示137条，其中支出进度偏慢预警62条，超预算支出预警19条，资金用途与预算科目不符预警23条，其他预警33条。县人大常委会预算工委对预警信息逐条核实，向县财政局和相关预算单位发出询问函15份，推动整改问题41个，涉及资金2860万元。
　　为提高系统使用效能，县人大常委会组织乡镇人大主席、专职副主席和财经工作人员开展专题培训2期，培训人员63人次，并建立“月分析、季通报、年报告”工作机制，推动预算联网监督从“看得到”向“用得好”转变。
　　下一步，县人大常委会将依托预算联网监督系统，探索开展重点支出和重大投资项目绩效监督，让人大预算审查监督更加精准有效。
"""

# ---------------------------------------------------------------------------
# 2. UTF-8 with BOM (南山县人大常委会)
# ---------------------------------------------------------------------------
BOM_TXT = """\
南山县人大常委会视察全县优化营商环境工作
报送单位：南山县人大常委会
作者：马俊
日期：2026年11月4日
栏目：监督视窗
标签：营商环境、视察
摘要：县人大常委会组织视察组对全县优化营商环境工作开展视察，走访企业16家，收集问题建议29条。
类型：信息

　　11月2日至3日，南山县人大常委会副主任陈国栋带领视察组，对全县贯彻落实《优化营商环境条例》和《江北市优化营商环境条例》情况开展视察。部分县人大代表和县人大常委会财经工委有关同志参加视察。
　　视察组先后来到县政务服务中心、南山经济开发区、石门镇工业集中区，实地察看“一窗通办”综合服务窗口运行情况，走访了南山新材料科技有限公司、清溪农产品加工有限公司等16家企业，面对面听取企业负责人对营商环境的评价和诉求，并召开座谈会听取县发展改革局、县市场监管局、县政务服务中心等部门的情况汇报。
　　视察组认为，县政府及有关部门深入推进“放管服”改革，政务服务事项网上可办率达到98.5%，企业开办时间压缩至1个工作日以内，今年以来全县新登记市场主体4213户，同比增长11.3%，营商环境持续优化。
　　视察中，企业反映较为集中的问题有：部分涉企审批事项仍存在“体外循环”现象，惠企政策宣传解读不够及时，中小企业融资渠道较窄，工业园区配套设施不够完善等。视察组共收集问题和建议29条。
　　视察组建议，要持续深化审批制度改革，推进涉企事项“一件事一次办”；要建立惠企政策“免申即享”机制，确保政策红利直达快享；要规范涉企执法检查，减少对企业正常生产经营的干扰；要畅通政企沟通渠道，及时回应和解决企业诉求，为民营经济发展营造良好环境。
"""

# ---------------------------------------------------------------------------
# 3. Windows CRLF line endings (东城区人大常委会)
# ---------------------------------------------------------------------------
CRLF_TXT = """\
东城区人大常委会听取审议区政府2025年度国有资产管理情况综合报告
报送单位：东城区人大常委会
作者：赵志红
日期：2026-10-30
栏目：常委会工作
标签：国有资产管理、预算审查监督
类型：信息

　　10月29日，东城区第十届人大常委会第二十三次会议听取和审议了区人民政府关于2025年度国有资产管理情况的综合报告，以及关于2025年度行政事业性国有资产管理情况的专项报告。区人大常委会主任刘志强主持会议，副区长王海波受区政府委托作报告。
　　报告显示，截至2025年底，全区国有企业资产总额412.6亿元，负债总额243.8亿元，国有资本权益156.3亿元；行政事业性国有资产总额186.4亿元，净资产171.2亿元。全区国有资产总量稳步增长，管理制度不断完善，国有企业改革持续深化。
　　会前，区人大常委会预算工委会同区人大财经代表小组，对区城投集团、区文旅集团等4家区属国有企业和区教育局、区卫生健康委等5个行政事业单位开展专题调研，并通过预算联网监督系统对国有资产数据进行了比对分析。
　　常委会组成人员在审议中指出，全区国有资产管理还存在一些不容忽视的问题：部分区属国有企业盈利能力不强，主营业务不够突出；行政事业单位资产配置标准执行不够严格，部分资产闲置与重复购置并存；国有资产报告的数据口径有待统一规范。
　　常委会组成人员建议，区政府要进一步完善国有资产管理情况报告制度，推动报告从“管资产”向“管资本”延伸；要加快区属国有企业战略性重组和专业化整合，提高国有资本配置效率；要建立健全行政事业性国有资产共享共用机制，盘活闲置资产，提高资产使用效益。
"""


def write_text(rel: str, text: str, *, encoding: str = "utf-8", bom: bool = False, crlf: bool = False) -> None:
    path = INBOX / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    print(f"wrote {path.relative_to(INBOX.parent)} ({len(data)} bytes)")


def main() -> None:
    write_text("西湖县人大/xihu-yusuan-lianwang.txt", GBK_TXT, encoding="gbk")
    write_text("南山县人大常委会/南山县人大常委会视察优化营商环境工作.txt", BOM_TXT, bom=True)
    write_text("东城区人大常委会/东城区人大常委会听取审议区政府国有资产管理情况报告.txt", CRLF_TXT, crlf=True)

    # 4. Binary junk named .txt: 4 KiB of seeded random bytes with NUL bytes.
    rng = random.Random(20261120)
    junk = bytearray(rng.getrandbits(8) for _ in range(4096))
    for i in range(0, 4096, 512):  # make sure there are NULs regardless of the draw
        junk[i] = 0
    p = INBOX / "东湖街道代表联络站" / "扫描件.txt"
    p.write_bytes(bytes(junk))
    print(f"wrote {p.relative_to(INBOX.parent)} ({len(junk)} bytes)")

    # 5. Unsupported format: something that looks like an old OLE2 .xls.
    rng = random.Random(2027)
    ole_magic = bytes.fromhex("D0CF11E0A1B11AE1")
    xls = ole_magic + bytes(16) + bytes.fromhex("3E000300FEFF0900") + bytes(rng.getrandbits(8) for _ in range(2024))
    p = INBOX / "市人大财经委" / "统计表.xls"
    p.write_bytes(xls)
    print(f"wrote {p.relative_to(INBOX.parent)} ({len(xls)} bytes)")

    # 6. Empty Markdown file.
    p = INBOX / "江北市人大常委会代表工作委员会" / "空白.md"
    p.write_bytes(b"")
    print(f"wrote {p.relative_to(INBOX.parent)} (0 bytes)")


if __name__ == "__main__":
    main()
