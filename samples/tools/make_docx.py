#!/usr/bin/env python3
"""Generate the sample .docx submissions in samples/inbox/.

Standard library only (zipfile + hand-written WordprocessingML).  The styles
mimic what a Chinese-locale Word writes: headings have styleId "1" / "2" with
w:name "heading 1" / "heading 2", Normal is styleId "a"; there is also a
"Title" style.  Lists use word/numbering.xml (one bullet definition, one
decimal definition, a fresh w:num per numbered list so each restarts at 1).

The output is deterministic: fixed zip timestamps, fixed member order.

One extra file is written on purpose as a *corrupt* docx: a valid document
truncated to half of its bytes (江北日报社/江北日报人大专版1125.docx).

Run from anywhere:  python3 samples/tools/make_docx.py
"""
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

INBOX = Path(__file__).resolve().parent.parent / "inbox"
ZIP_DATE = (2026, 11, 20, 9, 0, 0)

# ---------------------------------------------------------------------------
# Document contents
#
# Block kinds:
#   ("title", text)     paragraph in the "Title" style
#   ("h1", text)        heading 1 (styleId "1")
#   ("h2", text)        heading 2 (styleId "2")
#   ("center", text)    centred, bold, large plain paragraph (no style)
#   ("p", text)         body paragraph; **bold** makes bold runs and "~~"
#                       splits a run (with a w:proofErr between), as Word does
#   ("bullets", [...])  bulleted list
#   ("numbers", [...])  decimal numbered list (restarts at 1)
#   ("table", rows)     table; first row is the header row (bold)
#   ("blank",)          empty paragraph
# ---------------------------------------------------------------------------

DOCS = [
    {
        "path": "东城区人大常委会/20261105-dongcheng-zhuanti-xunwen.docx",
        "blocks": [
            ("title", "东城区人大常委会就养老服务体系建设开展专题询问"),
            ("p", "报送单位：东城区人大常委会"),
            ("p", "撰稿人：李晓燕"),
            ("p", "日期：2026年11月5日"),
            ("p", "栏目：监督视窗"),
            ("p", "标签：专题询问、养老服务"),
            ("blank",),
            ("p", "11月4日，东城区第十届人大常委会第二十四次会议举行联组会议，围绕全区养老服务体系建设情况开展专题询问。区人大常委会主任刘志强主持会议，副区长陈海涛及区民政局、区卫生健康委、区财政局、区医保局等7个部门主要负责同志到会应询。"),
            ("h2", "一、聚焦群众关切，精心做好准备"),
            ("p", "为确保专题询问取得实效，区人大常委会提前两个月启动准备工作，组织社会建设工委深入12个街道的38家养老机构和社区日间照料中心开展调研，通过代表联络站、“东城人大”微信公众号征集群众意见建议216条，梳理形成询问题目8个。"),
            ("h2", "二、一问一答，直面矛盾问题"),
            ("p", "询问现场，常委会组成人员和区人大代表紧扣热点难点，**问得直接、答得坦诚**。询问主要涉及以下几个方面："),
            ("numbers", [
                "社区嵌入式养老服务设施布局不均衡，老城区“一床难求”问题如何破解；",
                "医养结合服务覆盖面不够广，家庭医生签约服务如何向居家老人延伸；",
                "养老护理员队伍流失率高，薪酬待遇和职业晋升通道如何完善；",
                "养老服务补贴资金使用绩效如何评价，如何防止“重建设、轻运营”。",
            ]),
            ("p", "应询部门负责同志逐一回应，明确提出到2027年底新增社区嵌入式养老服务设施15处、护理型床位600张，推动辖区二级以上医院与养老机构签约合作全覆盖等具体措施。"),
            ("h2", "三、跟踪问效，推动整改落实"),
            ("p", "专题询问结束后，区人大常委会将梳理形成询问意见交区人民政府研究处理，要求在6个月内书面报告整改落实情况，并适时组织代表开展“回头看”，确保**问出实效、询出成果**。"),
        ],
    },
    {
        "path": "西湖县人大/20261112-xihu-daibiao.docx",
        "blocks": [
            ("h1", "西湖县人大代表吴秀兰：扎根茶乡的“领头雁”"),
            ("p", "报送单位：西湖县人大"),
            ("p", "撰稿人：钱伟"),
            ("p", "日期：2026-11-12"),
            ("p", "栏目：代表风采"),
            ("p", "类型：宣传稿"),
            ("p", "初冬时节，西湖县青石镇云雾村的茶园里依然一片翠绿。县人大代表、云雾茶叶专业合作社理事长吴秀兰正和技术员一起查看茶树越冬管护情况。“今年合作社的茶叶销售额突破了2300万元，带动周边4个村的860多户茶农增收。”说起茶产业，吴秀兰如数家珍。"),
            ("p", "2021年当选县人大代表以来，吴秀兰始终把推动茶产业发展、带领乡亲们致富作为履职的重要内容。她坚持“用脚步丈量民情”，走遍了全县6个产茶乡镇，提出的建议多次被采纳。她的履职故事，可以用几件事来概括："),
            ("bullets", [
                "提出《关于打造“西湖云雾”茶叶区域公用品牌的建议》，推动县政府出台茶产业发展三年行动计划，每年安排专项资金1500万元；",
                "牵头成立茶叶技术服务队，五年来举办培训班42期，培训茶农3100余人次；",
                "推动建设县级茶叶电商直播基地，帮助茶农通过直播带货年销售茶叶超过5万斤；",
                "在代表联络站定期接待选民，收集并推动解决茶园道路硬化、灌溉水源等问题17个。",
            ]),
            ("p", "“**代表不是光荣称号，而是沉甸甸的责任。**”吴秀兰说。今年县人代会上，她又提出了关于发展茶旅融合、建设茶文化特色小镇的建议，目前该建议已被列为县人大常委会主任会议重点督办建议。"),
            ("p", "谈起下一步打算，吴秀兰信心满满：“我要继续当好群众的‘代言人’，让茶乡的日子像新茶一样越来越香。”"),
        ],
    },
    {
        "path": "南山县人大常委会/南山县人大常委会开展安全生产法执法检查.docx",
        "blocks": [
            ("h1", "南山县人大常委会开展安全生产法执法检查"),
            ("p", "报送单位：南山县人大常委会"),
            ("p", "撰稿人：郑海燕、马俊、林涛"),
            ("p", "日期：2026年11月13日"),
            ("p", "栏目：监督视窗"),
            ("p", "标签：执法检查、安全生产"),
            ("p", "为推动《中华人民共和国安全生产法》在我县全面贯彻实施，11月10日至12日，南山县人大常委会组织执法检查组，由常委会副主任陈国栋、刘爱民分别带队，对全县贯彻实施安全生产法情况开展执法检查。"),
            ("h2", "一、检查基本情况"),
            ("p", "执法检查组分为两个小组，采取听取汇报、实地检查、随机抽查、暗访暗查相结合的方式，深入8个乡镇和南山经济开发区，重点检查了危险化学品、非煤矿山、建筑施工、道路交通和人员密集场所等重点行业领域。检查情况如下表："),
            ("table", [
                ["检查组", "检查区域", "检查单位数（家）", "发现隐患（处）", "现场整改（处）"],
                ["第一组", "石门镇、清溪镇、龙潭乡、开发区", "21", "46", "31"],
                ["第二组", "白石镇、云岭乡、桃源镇、大河乡、双溪乡", "17", "38", "24"],
                ["合计", "8个乡镇和开发区", "38", "84", "55"],
            ]),
            ("p", "对现场不能整改的29处隐患，检查组当场交县应急管理局督促限期整改，并实行**清单化管理、销号式落实**。"),
            ("h2", "二、发现的主要问题"),
            ("p", "检查组认为，县政府及有关部门认真贯彻安全生产法，全县安全生产形势总体平稳，今年1至10月生产安全事故起数和死亡人数同比分别下降18.2%和14.3%。但检查中也发现，部分企业安全生产主体责任落实不到位，全员安全生产责任制流于形式；乡镇安全监管力量薄弱，专业监管人员不足；部分小微企业安全投入不足，从业人员安全培训覆盖率不高。"),
            ("h2", "三、下一步工作"),
            ("p", "执法检查组将在深入分析检查情况的基础上形成执法检查报告，提请12月召开的县人大常委会会议审议，并将对审议意见落实情况开展跟踪监督。"),
        ],
    },
    {
        "path": "法工委/fagongwei-beian-shencha-2026.docx",
        "blocks": [
            ("h1", "市人大常委会法工委扎实推进规范性文件备案审查工作"),
            ("p", "报送单位：市人大常委会法工委"),
            ("p", "撰稿人：黄静"),
            ("p", "日期：2026年11月18日"),
            ("p", "栏目：立法之窗"),
            ("p", "标签：备案审查、规范性文件"),
            ("p", "今年以来，市人大常委会法制工作委员会坚持“有件必备、有备必审、有错必纠”，扎实做好规范性文件备案审查工作，有力维护了国家法制统一。1至10月，共接收报送备案的规范性文件86件，其中市人民政府规章和规范性文件51件，市监察委员会、市中级人民法院、市人民检察院规范性文件9件，县（区）人大及其常委会决议决定26件，已全部完成审查。"),
            ("h2", "一、主要做法"),
            ("numbers", [
                "健全工作机制。修订《江北市人大常委会规范性文件备案审查工作规程》，明确主动审查、依申请审查、专项审查和移送审查的程序和时限。",
                "开展专项审查。围绕优化营商环境、生态环境保护、涉及公民人身权利和财产权利等重点领域开展专项审查，对现行有效的132件规范性文件进行集中清理。",
                "用好信息平台。推动备案审查信息平台与市政府、县（区）人大常委会互联互通，实现电子报备率100%。",
                "加强能力建设。建立由15名法学专家和律师组成的备案审查专家库，对专业性较强的问题开展咨询论证。",
            ]),
            ("h2", "二、审查纠错情况"),
            ("p", "审查中发现存在合法性、适当性问题的规范性文件**7件**，主要是设定的罚款数额超出上位法规定幅度、对市场主体设置不合理准入条件等。法工委通过沟通协商、发函督促等方式，推动制定机关对上述文件予以修改或者废止，目前已纠正5件，其余2件正在修改中。"),
            ("h2", "三、下一步工作"),
            ("p", "法工委将认真贯彻全国人大常委会关于完善和加强备案审查制度的决定，着手起草年度备案审查工作情况报告，拟于12月提请市人大常委会会议审议，并依法向社会公开。"),
        ],
    },
    {
        "path": "市人大财经委/财经委初步审查2026年市级预算调整方案.docx",
        "blocks": [
            ("title", "市人大财经委对2026年市级预算调整方案进行初步审查"),
            ("p", "报送单位：江北市人大财政经济委员会"),
            ("p", "撰稿人：赵明（60%）、吴倩（40%）"),
            ("p", "日期：2026年10月23日"),
            ("p", "栏目：常委会工作"),
            ("p", "标签：预算审查监督、预算调整"),
            ("p", "10月22日，市人大财政经济委员会召开全体会议，对市人民政府提出的《关于2026年市级预算调整方案（草案）》进行初步审查。市人大常委会副主任钱学文出席会议，市财政局负责同志到会作说明。"),
            ("p", "据介绍，本次预算调整主要是因新增地方政府专项债券额度和上级转移支付增加。调整后，市级一般公共预算支出由**231.5亿元**调整为**238.9亿元**，增加7.4亿元；政府性基金预算支出由146.2亿元调整为171.6亿元，增加25.4亿元，主要用于城市更新、保障性安居工程和重大交通基础设施项目。"),
            ("p", "财经委组成人员认为，预算调整方案总体符合预算法规定，调整理由充分，新增支出安排方向符合全市发展重点。同时提出以下审查意见："),
            ("numbers", [
                "严格新增债券资金使用管理，确保资金及时拨付到项目，尽快形成实物工作量；",
                "加强专项债券项目全生命周期管理，落实项目收益与融资自求平衡要求；",
                "进一步压减一般性支出，调整后新增支出优先保障基本民生；",
                "加强对预算调整后执行情况的跟踪分析，在决算报告中专门说明。",
            ]),
            ("p", "会议同意将预算调整方案提请市人大常委会会议审查批准，并形成初步审查意见的报告。"),
        ],
    },
    {
        "path": "江北市人大常委会代表工作委员会/daibiao-jianyi-banli-huitoukan.docx",
        "blocks": [
            ("h1", "代表工委开展重点督办建议办理“回头看”"),
            ("p", "报送单位：江北市人大常委会代表工作委员会"),
            ("p", "撰稿人：刘洋"),
            ("p", "日期：2026-11-26"),
            ("p", "栏目：代表风采"),
            ("p", "为推动代表建议办理从“办理答复”向“办成落实”转变，11月中下旬，市人大常委会代表工作委员会组织部分提出建议的市人大代表，对市十六届人大五次会议确定的12件重点督办建议开展办理情况“回头看”。"),
            ("h2", "一、聚焦重点，逐件核查"),
            ("p", "此次“回头看”重点围绕建议所提问题是否得到解决、承诺事项是否兑现、代表是否满意等内容展开。代表们采取查阅资料、实地察看、走访群众相结合的方式，逐件核查办理成效。"),
            ("bullets", [
                "在西湖县，代表们察看了农村寄递物流体系建设情况，全县村级寄递物流综合服务站覆盖率已达到96%；",
                "在东城区，代表们走进中小学校园，了解课后服务和校园周边交通安全治理建议的落实情况；",
                "在南山县，代表们实地察看乡镇卫生院全科医生配备情况，“县管乡用”机制已覆盖全县12个乡镇；",
                "在市急救中心，代表们了解到院前急救网络建设建议推动新建急救站点9个，平均急救反应时间缩短至12分钟。",
            ]),
            ("h2", "二、问效于代表，问计于群众"),
            ("p", "“回头看”期间，代表工委召开座谈会4场，听取承办单位汇报，代表们对办理工作进行现场评议。经评议，12件重点督办建议中，所提问题已经解决的8件，正在解决的4件，代表满意率为100%。"),
            ("p", "代表工委有关负责同志表示，将把“回头看”发现的问题及时反馈承办单位，对尚未解决的事项持续跟踪督办，并在向市人大常委会报告代表建议办理情况时一并报告。"),
        ],
    },
    {
        "path": "东湖街道代表联络站/东湖街道代表联络站召开老旧小区加装电梯议事会.docx",
        "blocks": [
            ("center", "东湖街道代表联络站召开老旧小区加装电梯民生议事会"),
            ("blank",),
            ("p", "11月14日晚，东湖街道人大代表联络站在湖滨社区党群服务中心召开民生议事会，围绕老旧小区加装电梯中的难点问题，组织人大代表、社区干部、业主代表和区住房城乡建设局工作人员共同商议解决办法。区人大代表沈丽华、周晓明主持议事会。"),
            ("p", "湖滨社区共有老旧住宅楼64栋，其中具备加装电梯条件的38栋。目前已加装电梯11部，另有9栋楼已完成意见征集，但因低层住户意见不统一、费用分摊难以达成共识等原因，迟迟未能开工。"),
            ("p", "议事会上，业主代表各抒己见。6号楼一楼住户王师傅担心加装电梯影响采光和通风；六楼住户李阿姨则希望尽快动工，“腿脚不好，每天上下楼太难了”。区住房城乡建设局工作人员介绍了加装电梯财政补贴政策，每部电梯最高可获补贴25万元，并现场解读了“~~楼层系数~~分摊”的费用计算方法。"),
            ("p", "经过两个多小时的充分讨论，议事会形成了三条共识：一是由社区牵头，为每栋楼制定个性化的加装方案，尽量减少对低层住户的影响；二是推行“一楼一议”费用分摊方式，低楼层住户少出资或不出资；三是由联络站代表全程参与协调，定期通报工作进展。"),
            ("p", "会后，沈丽华代表表示，将把议事会上反映的审批流程繁琐、管线迁改费用高等问题整理成代表建议，向有关部门反映，推动加装电梯“**好事办好、实事办实**”。"),
        ],
    },
    {
        "path": "江北日报社/jbrb-renda-zhuanlan-1118.docx",
        "blocks": [
            ("title", "人大监督“长牙齿” 民生实事落地有声"),
            ("p", "报送单位：江北日报社"),
            ("p", "撰稿人：周敏（50%）、何军（50%）"),
            ("p", "日期：2026年11月18日"),
            ("p", "栏目：人大新闻"),
            ("p", "类型：宣传稿"),
            ("p", "城南片区的断头路打通了，老旧小区的电梯装上了，家门口的社区食堂开张了……今年以来，市人大常委会紧盯年初确定的十件民生实事项目，综合运用听取报告、视察调研、专题询问、代表评议等方式持续跟踪监督，推动一件件民生实事落地见效。"),
            ("h2", "“清单式”监督，一件一件抓落实"),
            ("p", "年初，市人大常委会将十件民生实事项目逐项分解，建立监督清单，明确每个项目由一个专门委员会牵头、若干名市人大代表参与跟踪监督。**“项目推进到哪里，人大监督就跟进到哪里。”**市人大常委会有关负责同志说。截至10月底，十件民生实事项目已完成年度投资的87.6%，其中6件已提前完成年度目标任务。"),
            ("h2", "代表“全程参与”，群众说了算"),
            ("p", "在城南片区道路打通项目推进过程中，市人大代表们先后4次到现场察看进度，召开座谈会听取沿线居民意见，推动施工单位调整夜间施工时间，减少对居民生活的影响。项目竣工后，代表们又组织居民对项目实施效果进行评议，满意率达到96.8%。"),
            ("h2", "监督“回头看”，不达目的不松手"),
            ("p", "对进展滞后的社区养老服务设施建设项目，市人大常委会于9月组织开展专题询问，推动市政府调整工作方案，新增建设资金1.2亿元。目前，全市新建社区食堂42个，超额完成年度目标。"),
            ("p", "“民生实事办得好不好，群众最有发言权。”市人大代表李红梅说。年底前，市人大常委会还将组织代表对十件民生实事项目完成情况进行满意度测评，测评结果将向社会公布。"),
        ],
    },
]

# Written valid first, then truncated to half its bytes -> corrupt docx.
CORRUPT_DOC = {
    "path": "江北日报社/江北日报人大专版1125.docx",
    "blocks": [
        ("title", "聚焦代表联络站：家门口的“民意直通车”"),
        ("p", "报送单位：江北日报社"),
        ("p", "撰稿人：何军"),
        ("p", "日期：2026年11月25日"),
        ("p", "栏目：基层人大"),
        ("p", "在东湖街道，群众有了烦心事，第一个想到的就是去代表联络站找代表。联络站建立以来，累计接待群众3000余人次，推动解决了一大批群众急难愁盼问题。"),
        ("p", "在西湖县青石镇，代表联络站建在了茶园边上，茶农们放下锄头就能和代表聊上几句。“有事找代表，代表帮着办。”这已经成为当地群众的口头禅。"),
        ("p", "在南山县，代表联络站推出“掌上联络站”，群众通过手机就能随时向代表反映问题，代表在线接收、及时回复，实现了群众诉求“线上提、代表接、部门办”。"),
    ],
}

# ---------------------------------------------------------------------------
# WordprocessingML
# ---------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = XML_DECL + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
    '</Types>'
)

PACKAGE_RELS = XML_DECL + (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '</Relationships>'
)

DOCUMENT_RELS = XML_DECL + (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
    '</Relationships>'
)

STYLES = XML_DECL + (
    f'<w:styles xmlns:w="{W_NS}">'
    '<w:docDefaults>'
    '<w:rPrDefault><w:rPr>'
    '<w:rFonts w:asciiTheme="minorHAnsi" w:eastAsia="宋体" w:hAnsiTheme="minorHAnsi" w:cstheme="minorBidi"/>'
    '<w:kern w:val="2"/><w:sz w:val="21"/><w:szCs w:val="22"/>'
    '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
    '</w:rPr></w:rPrDefault>'
    '<w:pPrDefault/>'
    '</w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="a">'
    '<w:name w:val="Normal"/><w:qFormat/>'
    '<w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr>'
    '</w:style>'
    '<w:style w:type="paragraph" w:styleId="1">'
    '<w:name w:val="heading 1"/><w:basedOn w:val="a"/><w:next w:val="a"/><w:link w:val="10"/><w:uiPriority w:val="9"/><w:qFormat/>'
    '<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="340" w:after="330" w:line="578" w:lineRule="auto"/><w:outlineLvl w:val="0"/></w:pPr>'
    '<w:rPr><w:b/><w:bCs/><w:kern w:val="44"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr>'
    '</w:style>'
    '<w:style w:type="paragraph" w:styleId="2">'
    '<w:name w:val="heading 2"/><w:basedOn w:val="a"/><w:next w:val="a"/><w:link w:val="20"/><w:uiPriority w:val="9"/><w:unhideWhenUsed/><w:qFormat/>'
    '<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="260" w:after="260" w:line="416" w:lineRule="auto"/><w:outlineLvl w:val="1"/></w:pPr>'
    '<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia" w:hAnsiTheme="majorHAnsi" w:cstheme="majorBidi"/><w:b/><w:bCs/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr>'
    '</w:style>'
    '<w:style w:type="paragraph" w:styleId="Title">'
    '<w:name w:val="Title"/><w:basedOn w:val="a"/><w:next w:val="a"/><w:uiPriority w:val="10"/><w:qFormat/>'
    '<w:pPr><w:spacing w:before="240" w:after="60"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr>'
    '<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia" w:hAnsiTheme="majorHAnsi" w:cstheme="majorBidi"/><w:b/><w:bCs/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr>'
    '</w:style>'
    '<w:style w:type="paragraph" w:styleId="a5">'
    '<w:name w:val="List Paragraph"/><w:basedOn w:val="a"/><w:uiPriority w:val="34"/><w:qFormat/>'
    '<w:pPr><w:ind w:firstLineChars="200" w:firstLine="420"/></w:pPr>'
    '</w:style>'
    '<w:style w:type="character" w:default="1" w:styleId="a0">'
    '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/>'
    '</w:style>'
    '<w:style w:type="character" w:customStyle="1" w:styleId="10">'
    '<w:name w:val="标题 1 字符"/><w:basedOn w:val="a0"/><w:link w:val="1"/><w:uiPriority w:val="9"/>'
    '<w:rPr><w:b/><w:bCs/><w:kern w:val="44"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr>'
    '</w:style>'
    '<w:style w:type="character" w:customStyle="1" w:styleId="20">'
    '<w:name w:val="标题 2 字符"/><w:basedOn w:val="a0"/><w:link w:val="2"/><w:uiPriority w:val="9"/>'
    '<w:rPr><w:b/><w:bCs/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr>'
    '</w:style>'
    '<w:style w:type="table" w:default="1" w:styleId="a1">'
    '<w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>'
    '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
    '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>'
    '</w:style>'
    '<w:style w:type="table" w:styleId="a6">'
    '<w:name w:val="Table Grid"/><w:basedOn w:val="a1"/><w:uiPriority w:val="39"/>'
    '<w:tblPr><w:tblBorders>'
    '<w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '</w:tblBorders></w:tblPr>'
    '</w:style>'
    '<w:style w:type="numbering" w:default="1" w:styleId="a2">'
    '<w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>'
    '</w:style>'
    '</w:styles>'
)

BULLET_NUM_ID = 1  # numbering instances for decimal lists start at 2


def numbering_xml(decimal_lists: int) -> str:
    parts = [XML_DECL, f'<w:numbering xmlns:w="{W_NS}">']
    # abstractNum 0: bullet
    parts.append(
        '<w:abstractNum w:abstractNumId="0">'
        '<w:multiLevelType w:val="hybridMultilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="840" w:hanging="420"/></w:pPr>'
        '<w:rPr><w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体" w:hint="eastAsia"/></w:rPr></w:lvl>'
        '</w:abstractNum>'
    )
    # abstractNum 1: decimal
    parts.append(
        '<w:abstractNum w:abstractNumId="1">'
        '<w:multiLevelType w:val="hybridMultilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="840" w:hanging="420"/></w:pPr></w:lvl>'
        '</w:abstractNum>'
    )
    parts.append(f'<w:num w:numId="{BULLET_NUM_ID}"><w:abstractNumId w:val="0"/></w:num>')
    for i in range(decimal_lists):
        parts.append(
            f'<w:num w:numId="{i + 2}"><w:abstractNumId w:val="1"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        )
    parts.append('</w:numbering>')
    return "".join(parts)


def t(text: str) -> str:
    return f'<w:t xml:space="preserve">{escape(text)}</w:t>'


def runs(text: str, *, bold_all: bool = False, size: int | None = None) -> str:
    """Turn '**bold**' markup and '~~' run splits into w:r elements."""
    out = []
    for i, seg in enumerate(re.split(r"\*\*", text)):
        bold = bold_all or (i % 2 == 1)
        pieces = seg.split("~~")
        for j, piece in enumerate(pieces):
            if j > 0:
                out.append('<w:proofErr w:type="gramStart"/>' if j % 2 else '<w:proofErr w:type="gramEnd"/>')
            if not piece:
                continue
            rpr = ""
            if bold or size:
                rpr = "<w:rPr>"
                rpr += '<w:rFonts w:hint="eastAsia"/>'
                if bold:
                    rpr += "<w:b/><w:bCs/>"
                if size:
                    rpr += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
                rpr += "</w:rPr>"
            else:
                rpr = '<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr>'
            out.append(f"<w:r>{rpr}{t(piece)}</w:r>")
    return "".join(out)


def para(inner: str, ppr: str = "") -> str:
    return f"<w:p>{'<w:pPr>' + ppr + '</w:pPr>' if ppr else ''}{inner}</w:p>"


def table_xml(rows: list[list[str]]) -> str:
    ncols = len(rows[0])
    width = 8296 // ncols
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(ncols))
    out = [
        '<w:tbl><w:tblPr><w:tblStyle w:val="a6"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
        f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
    ]
    for r, row in enumerate(rows):
        out.append("<w:tr>")
        for cell in row:
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                + para(runs(cell, bold_all=(r == 0)), '<w:jc w:val="center"/>')
                + "</w:tc>"
            )
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def document_xml(blocks) -> tuple[str, int]:
    body = []
    next_decimal = 2
    for block in blocks:
        kind = block[0]
        if kind == "title":
            body.append(para(runs(block[1]), '<w:pStyle w:val="Title"/>'))
        elif kind == "h1":
            body.append(para(runs(block[1]), '<w:pStyle w:val="1"/>'))
        elif kind == "h2":
            body.append(para(runs(block[1]), '<w:pStyle w:val="2"/>'))
        elif kind == "center":
            body.append(para(runs(block[1], bold_all=True, size=36), '<w:jc w:val="center"/>'))
        elif kind == "p":
            body.append(para(runs(block[1]), '<w:ind w:firstLineChars="200" w:firstLine="420"/>'))
        elif kind == "blank":
            body.append("<w:p/>")
        elif kind in ("bullets", "numbers"):
            if kind == "bullets":
                num_id = BULLET_NUM_ID
            else:
                num_id = next_decimal
                next_decimal += 1
            for item in block[1]:
                body.append(para(
                    runs(item),
                    '<w:pStyle w:val="a5"/>'
                    f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
                    '<w:ind w:firstLineChars="0"/>',
                ))
        elif kind == "table":
            body.append(table_xml(block[1]))
            body.append("<w:p/>")
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    sect = (
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1800" w:bottom="1440" w:left="1800" w:header="851" w:footer="992" w:gutter="0"/>'
        '<w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="312"/></w:sectPr>'
    )
    xml = (
        XML_DECL
        + f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
        + "".join(body)
        + sect
        + "</w:body></w:document>"
    )
    return xml, next_decimal - 2


def docx_bytes(blocks) -> bytes:
    import io

    doc, n_decimal = document_xml(blocks)
    members = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", doc),
        ("word/styles.xml", STYLES),
        ("word/numbering.xml", numbering_xml(n_decimal)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def main() -> None:
    for doc in DOCS:
        path = INBOX / doc["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        data = docx_bytes(doc["blocks"])
        path.write_bytes(data)
        print(f"wrote {path.relative_to(INBOX.parent)} ({len(data)} bytes)")

    # Deliberately corrupt: a real docx cut to half its length.
    path = INBOX / CORRUPT_DOC["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    data = docx_bytes(CORRUPT_DOC["blocks"])
    path.write_bytes(data[: len(data) // 2])
    print(f"wrote {path.relative_to(INBOX.parent)} ({len(data) // 2} of {len(data)} bytes, truncated on purpose)")


if __name__ == "__main__":
    main()
