#!/usr/bin/env python3
"""Write raw/tables.xlsx: the report's tables, transcribed cell by cell.

Usage:  python3 tools/make_workbooks.py            (from the project root, or anywhere)
Needs:  openpyxl (pip install openpyxl)

Each sheet is shaped like the report's table:
  row 1  the table's title (merged across all columns)
  row 2  the header row (Chinese headers as the report writes them; short Chinese
         headers where the report has none or where a compound cell was split)
  row 3  a units row (skipped by the contract reader; empty where there is no unit)
  row 4+ data, one row per table row, cell values kept as the report's text (strings),
         except PAR columns, which hold our own short English paraphrase of a report
         sentence (the project commits the report's figures and labels, never its sentences)

A cell given as UP continues the merge of the cell above it (the company column of the
compute-centre table spans several rows in the report); the contract reader fills a
merged cell's value into every row of the merge.

The script is deterministic: same input, same bytes (fixed zip timestamps and document
properties), so the file's sha256 only changes when a transcription changes.

Checks run before writing (the script fails if one breaks):
  * every figure cell (columns marked FIG) is an exact substring of the report;
  * label cells that are not exact substrings are listed (they are deliberate, see NOTES);
  * paraphrase cells (columns marked PAR) are short English (no CJK, at most PAR_MAX_WORDS
    words), so no sentence of the report is copied into the workbook;
  * each contract in pipelines/sources/<sheet>.toml, if present, names only headers that
    exist in its sheet, and its primary key is unique and non-empty once merges are filled.
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

try:
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
except ImportError:  # pragma: no cover
    sys.exit("error: openpyxl is missing: pip install openpyxl")

try:
    import tomllib
except ImportError:  # pragma: no cover  (Python < 3.11)
    tomllib = None

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path("/work/shared/report/report.md")
OUT = ROOT / "raw" / "tables.xlsx"
CONTRACTS = ROOT / "pipelines" / "sources"

UP = object()  # "merged with the cell above"

# Column kinds: FIG = a figure (must be an exact substring of the report),
# LAB = a label taken from the report (normally a substring; exceptions are listed),
# CLS = our own classification (enum values), not report text,
# PAR = our own short English paraphrase of a report sentence, never the report's words.
FIG, LAB, CLS, PAR = "fig", "lab", "cls", "par"
PAR_MAX_WORDS = 12
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

# (header, unit-row text, kind) per column, then rows.
SHEETS: list[dict] = []

# 1 ---------------------------------------------------------------------------------------
SHEETS.append(dict(
    name="training_runs",
    title="部分大模型消耗卡的数量及训练时长",
    columns=[("模型", "", LAB), ("消耗卡数量", "张", FIG), ("卡型号", "", LAB),
             ("训练时长", "天/个月", FIG)],
    # The report's 消耗卡数量 cell ("2048张A100 80GB GPU") is split into count + card model;
    # the trailing 模型 of the model name is dropped.
    rows=[
        ["LLaMA-65B", "2048张", "A100 80GB", "21天"],
        ["GPT3-175B", "1024张", "A100 40GB", "24天"],
        ["GLM-130B", "768张", "A100 40GB", "2个月"],
        ["Falcon-40B", "384张", "A100 40GB", "2个月"],
        ["Inflection", "3500张", "H100", "-"],
        ["Inflection-2", "5000张", "H100", "-"],
        ["Megatron-Turing", "4480张", "A100", "-"],
        ["GPT4-1800B", "25000张", "A100", "90-100天"],
    ],
))

# 2 ---------------------------------------------------------------------------------------
# 建设情况 is our English paraphrase of the report's status sentence (PAR); the figures and
# dates it mentions are in the typed columns, verbatim from the report.
# 时间 keeps the date at the precision the report prints (a day where it gives one);
# 时间说明 keeps a period qualifier the date type cannot hold (截至2023年第四季度).
# 算力指标 / 规划算力指标 are the report's own words before each figure (算力规模达, 峰值算力达,
# 总建设规模为, 总体规划算力 ...): the figures are not all the same kind of measure.
# capacity_basis is our reading of the report's status sentence (see the contract):
#   built        the figure is stated as reached / current (达, 截至…高达)
#   first_phase  the figure is the first phase, built; a larger total is planned
#   planned      only a planned / expected figure is stated (规划, 预计达); capacity is empty
#   unknown      a scale is stated for a launched centre without saying whether it is built
#                (总建设规模为, 建设规模为)
#   (empty)      the status states no compute figure
# 360's 30000台 are 本地存储服务器 (local storage servers), not all servers: they have their
# own column and are not comparable with the 超过5万台服务器 planned.
# Huawei's row names no centre in the 算力中心 column; its status names three government-led
# centres (等众多项目): one row per named centre.
SHEETS.append(dict(
    name="compute_centres",
    title="大模型厂商算力中心建设情况",
    columns=[("企业", "", LAB), ("算力中心", "", LAB), ("建设情况", "", PAR),
             ("时间", "", FIG), ("时间说明", "", LAB), ("算力规模", "P/EFLOPS", FIG),
             ("算力指标", "", LAB), ("算力口径", "", CLS),
             ("规划算力", "P", FIG), ("规划算力指标", "", LAB),
             ("本地存储服务器数量", "台", FIG), ("规划服务器数量", "台", FIG),
             ("规划机柜数量", "架", FIG), ("达产时间", "", FIG)],
    rows=[
        ["百度", "百度智能云济南智算中心", "unveiled",
         "2023年3月", None, None, None, None, None, None, None, None, None, None],
        [UP, "百度智能云福州智算中心", "cooperation agreed with Fuzhou",
         "2023年4月", None, None, None, None, None, None, None, None, None, None],
        [UP, "百度智能云沈阳智能计算中心", "construction started; 500P planned",
         "2023年5月", None, None, None, "planned", "500P", "总体规划算力",
         None, None, None, None],
        [UP, "百度智能云昆仑芯盐城智算中心", "unveiled and online; about 200P expected",
         "2023年9月", None, None, None, "planned", "200P", "算力规模预计达",
         None, None, None, None],
        [UP, "百度云计算（阳泉）中心", "largest single AI compute centre in Asia; 4EFLOPS",
         None, None, "4EFLOPS", "算力规模达", "built", None, None, None, None, None, None],
        ["腾讯", "松江GPU智算中心",
         "launched with Songjiang; largest GPU compute centre in China; HCC cluster",
         "2023年11月", None, None, None, None, None, None, None, None, None, None],
        [UP, "腾讯长三角（上海）人工智能先进计算中心",
         "construction started; nearly 40k racks and 800k servers planned",
         "2020年6月6日", None, None, None, None, None, None, None, "80万台", "接近4万架", None],
        [UP, "腾讯智慧产业长三角（合肥）智算中心",
         "unveiled; uses Tencent's 4th-generation T-Block modular technology",
         "2021年7月9日", None, None, None, None, None, None, None, None, None, None],
        ["360", "360中原智算中心",
         "first phase in production: 30000 local storage servers, 1000P; more planned",
         None, None, "1000P", "智能算力", "first_phase", "2000P", "未来将拥有",
         "30000台", "超过5万台", None, None],
        ["阿里巴巴", "阿里云张北超级智算中心", "officially launched; total scale 12EFLOPS",
         "2022年8月30日", None, "12EFLOPS", "总建设规模为", "unknown", None, None,
         None, None, None, None],
        [UP, "阿里云乌兰察布智算中心", "officially launched; scale 3EFLOPS",
         "2022年8月30日", None, "3EFLOPS", "建设规模为", "unknown", None, None,
         None, None, None, None],
        [UP, "阿里云华东智能算力中心", "construction started 2020; full production due 2025",
         "2020年", None, None, None, None, None, None, None, None, None, "2025年"],
        ["商汤科技", "商汤科技人工智能计算中心",
         "6800P as of Q4 2023",
         "2023年", "截至2023年第四季度", "6800P", "算力规模高达", "built", None, None,
         None, None, None, None],
        [UP, "商汤科技（西南）人工智能计算中心",
         "landed in Chongqing; first phase 100P peak, mainly domestic compute; 1000P planned",
         "2023年10月24日", None, "100P", "峰值算力达", "first_phase", "1000P", "中长期规划建设算力",
         None, None, None, None],
        ["华为", "北京昇腾人工智能计算中心",
         "government-led centre; Huawei named as main supplier",
         None, None, None, None, None, None, None, None, None, None, None],
        [UP, "天津人工智能计算中心",
         "government-led centre; Huawei named as main supplier",
         None, None, None, None, None, None, None, None, None, None, None],
        [UP, "杭州人工智能计算中心",
         "government-led centre; Huawei named as main supplier; many others unnamed",
         None, None, None, None, None, None, None, None, None, None, None],
    ],
))

# 3 ---------------------------------------------------------------------------------------
SHEETS.append(dict(
    name="video_generation",
    title="国内部分AI视频生成产品 vs Sora",
    columns=[("公司", "", LAB), ("产品", "", LAB), ("视频时长", "s", FIG), ("分辨率", "", FIG),
             ("帧率/FPS", "FPS", FIG), ("帧率说明", "", FIG)],
    # 帧率/FPS keeps the numeric cells; Sora's qualitative "高" goes to 帧率说明.
    rows=[
        ["OpenAI", "Sora", "60s", "1920x1080和1080x1920之间任意尺寸", None, "高"],
        ["字节跳动", "CapCut AI Video", "3s", "960x540", "24", None],
        ["Morph Studio", "Morph Studio", "3-7s", "1920x1080", "8-30", None],
        ["NeverEnds", "NeverEnds", "2s", "1024x576", "10", None],
        ["智象未来", "Pixeling", "4s", "1024x576", "24", None],
        ["爱诗科技", "PixVerse", "4s", "1024x576", "18", None],
        ["右脑科技", "Vega AI", "4s", "1024x576", "12", None],
        ["腾讯", "Video-Crafter2", "2s", "1024x640", "8", None],
    ],
))

# 4 ---------------------------------------------------------------------------------------
# One block per edition; the per-edition facts (scope, models evaluated, leader) are merged
# over the edition's rows. The report writes each entry as "score/rank".
SHEETS.append(dict(
    name="xinhua_rankings",
    title="新华社研究院中国企业发展研究中心",
    columns=[("报告版本", "", LAB), ("模型", "", LAB), ("得分", "分", FIG), ("排名", "", FIG),
             ("评估范围", "", LAB), ("评估模型数", "家", FIG), ("第一名", "", LAB),
             ("第一名得分", "分", FIG)],
    rows=[
        ["1.0", "文心一言", "1112", "3", "国内外主流大模型", "8家", "ChatGPT4", "1246"],
        [UP, "通义千问", "1020", "4", UP, UP, UP, UP],
        [UP, "讯飞星火", "1010", "5", UP, UP, UP, UP],
        [UP, "商量", "967", "6", UP, UP, UP, UP],
        [UP, "ChatGLM", "943", "7", UP, UP, UP, UP],
        ["2.0", "讯飞星火", "1013", "1", "国内大模型", "8家", "讯飞星火", None],
        [UP, "文心一言", "1010", "2", UP, UP, UP, None],
        [UP, "商量", "983", "3", UP, UP, UP, None],
        [UP, "ChatGLM", "983", "3", UP, UP, UP, None],
        [UP, "360智脑", "951", "5", UP, UP, UP, None],
        [UP, "通义千问", "935", "7", UP, UP, UP, None],
        ["3.0", "讯飞星火", "1775", "1", "国内大模型", "10家", "讯飞星火", None],
        [UP, "商量", "1746", "2", UP, UP, UP, None],
        [UP, "ChatGLM", "1729", "3", UP, UP, UP, None],
        [UP, "360智脑", "1711", "5", UP, UP, UP, None],
        [UP, "字节豆包", "1710", "6", UP, UP, UP, None],
        [UP, "通义千问", "1634", "7", UP, UP, UP, None],
        [UP, "腾讯混元", "1609", "8", UP, UP, UP, None],
    ],
))

# 5 ---------------------------------------------------------------------------------------
SHEETS.append(dict(
    name="opencompass_2023",
    title="2023 OpenCompass年度榜单",
    columns=[("模型", "", LAB), ("厂商", "", LAB), ("得分", "", FIG), ("排名", "", FIG),
             ("评估模型数", "个", FIG)],
    rows=[
        ["GPT-4-Turbo", None, "61.8", "1", "35个"],
        ["GLM4", "智谱AI", "58.9", "2", UP],
        ["Qwen-Max", "阿里巴巴", "56.8", "3", UP],
        ["Erniebot-4.0", "百度", "54.7", "4", UP],
        ["Baichuan2-Turbo", "百川智能", "46.4", "12", UP],
    ],
))

# 6 ---------------------------------------------------------------------------------------
# The report's third column (定义及案例) holds sentences: left out. Its pricing cases are
# the llm_pricing sheet.
SHEETS.append(dict(
    name="business_models",
    title="AI大模型商业模式列举",
    columns=[("客户类型", "", LAB), ("商业模式", "", LAB)],
    rows=[
        ["B端、C端", "按量收费"],
        ["B端、C端", "订阅模式"],
        ["B端", "定制化服务"],
        ["B端", "广告变现"],
    ],
))

SHEETS.append(dict(
    name="llm_pricing",
    title="AI大模型商业模式列举",
    columns=[("产品", "", LAB), ("厂商", "", LAB), ("商业模式", "", LAB), ("套餐", "", LAB),
             ("价格", "元", FIG), ("解锁模型", "", LAB)],
    # The report lists the three 星火 versions as "星火大模型V1.5、V2.0和V3.0"; V2.0 and V3.0
    # are written out as full product names here.
    rows=[
        ["星火大模型V1.5", "科大讯飞", "按量收费", None, "0.18元/万tokens", None],
        ["星火大模型V2.0", "科大讯飞", "按量收费", None, "0.36元/万tokens", None],
        ["星火大模型V3.0", "科大讯飞", "按量收费", None, "0.36元/万tokens", None],
        ["文心一言", "百度", "订阅模式", "会员", "59.9元/月", "文心大模型 4.0"],
        ["文心一言", "百度", "订阅模式", "连续包月", "49.9元/月", "文心大模型 4.0"],
    ],
))

# 7 ---------------------------------------------------------------------------------------
SHEETS.append(dict(
    name="qwen_timeline",
    title="阿里巴巴：选择开源道路",
    columns=[("时间", "", FIG), ("模型", "", LAB), ("参数量", "", FIG), ("规模", "", FIG),
             ("模型类型", "", LAB), ("模型数量", "个", FIG)],
    rows=[
        ["2023.8", "Qwen-7B", "70亿", None, None, None],
        ["2023.9", "Qwen-14B", "140亿", None, None, None],
        [UP, "Qwen-14B-Chat", None, None, "对话模型", None],
        ["2023.12", "Qwen-72B", "720亿", None, None, None],
        [UP, "Qwen-1.8B", "18亿", None, None, None],
        [UP, "Qwen-Audio", None, None, "音频大模型", None],
        ["2024.2", "通义千问开源模型1.5版本", None, "0.5B、1.8B、4B、7B、14B和72B",
         "Base和Chat模型", "6个"],
    ],
))

# Label cells that are deliberately not verbatim substrings of the report.
NOT_VERBATIM_OK = {
    ("llm_pricing", "星火大模型V2.0"),  # report: 星火大模型V1.5、V2.0和V3.0
    ("llm_pricing", "星火大模型V3.0"),
}

FIXED_STAMP = (2024, 3, 1, 0, 0, 0)
FIXED_ISO = "2024-03-01T00:00:00Z"


def filled(sheet: dict) -> list[list]:
    """Rows with UP replaced by the value above (what the contract reader sees)."""
    out: list[list] = []
    for row in sheet["rows"]:
        cur = []
        for j, v in enumerate(row):
            cur.append(out[-1][j] if v is UP else v)
        out.append(cur)
    return out


def check(report: str) -> list[str]:
    problems, notes = [], []
    names = [s["name"] for s in SHEETS]
    assert len(names) == len(set(names)), "duplicate sheet names"
    for s in SHEETS:
        ncol = len(s["columns"])
        heads = [c[0] for c in s["columns"]]
        if len(heads) != len(set(heads)):
            problems.append(f"{s['name']}: duplicate headers")
        if s["title"] not in report:
            notes.append(f"{s['name']}: title not verbatim: {s['title']}")
        for i, row in enumerate(s["rows"]):
            if len(row) != ncol:
                problems.append(f"{s['name']} row {i + 4}: {len(row)} cells, {ncol} columns")
                continue
            for (head, _unit, kind), v in zip(s["columns"], row):
                if v is UP or v is None:
                    continue
                if not isinstance(v, str):
                    problems.append(f"{s['name']} {head}: non-string cell {v!r}")
                elif kind == FIG and v != "-" and v not in report:
                    problems.append(f"{s['name']} {head}: figure not in report: {v}")
                elif kind == LAB and v not in report and (s["name"], v) not in NOT_VERBATIM_OK:
                    problems.append(f"{s['name']} {head}: label not in report: {v}")
                elif kind == PAR and (CJK.search(v) or not v.strip()
                                      or len(v.split()) > PAR_MAX_WORDS):
                    problems.append(f"{s['name']} {head}: not a short English paraphrase: {v}")
        if UP in s["rows"][0]:
            problems.append(f"{s['name']}: UP in the first data row")
    for n in notes:
        print("note:", n, file=sys.stderr)
    return problems


def check_contracts() -> list[str]:
    if tomllib is None:
        return []
    problems = []
    for s in SHEETS:
        path = CONTRACTS / f"{s['name']}.toml"
        if not path.exists():
            problems.append(f"missing contract {path.relative_to(ROOT)}")
            continue
        c = tomllib.loads(path.read_text(encoding="utf-8"))
        heads = [h for h, _u, _k in s["columns"]]
        if c.get("sheet") != s["name"] or c.get("file") != "raw/tables.xlsx":
            problems.append(f"{path.name}: sheet/file do not match")
        rows = filled(s)
        by_name = {}
        for col in c["columns"]:
            h = col.get("header", col["name"])
            if h not in heads:
                problems.append(f"{path.name}: header {h!r} not in sheet")
                continue
            by_name[col["name"]] = heads.index(h)
            if col.get("required"):
                for r, row in enumerate(rows):
                    if row[heads.index(h)] in (None, ""):
                        problems.append(f"{path.name}: required {col['name']} empty in row {r + 4}")
            if col.get("type") == "enum":
                for row in rows:
                    v = row[heads.index(h)]
                    if v not in (None, "") and v not in col["values"]:
                        problems.append(f"{path.name}: {col['name']}={v!r} not in values")
        unmapped = set(heads) - {c_.get("header", c_["name"]) for c_ in c["columns"]}
        if unmapped:
            problems.append(f"{path.name}: sheet headers without a column: {sorted(unmapped)}")
        pk = c.get("primary_key", [])
        keys = []
        for row in rows:
            key = tuple(row[by_name[k]] for k in pk if k in by_name)
            if any(k in (None, "") for k in key):
                problems.append(f"{path.name}: empty primary key part in {key}")
            keys.append(key)
        if len(keys) != len(set(keys)):
            problems.append(f"{path.name}: primary key {pk} not unique")
    return problems


def build() -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for s in SHEETS:
        ws = wb.create_sheet(s["name"])
        ncol = len(s["columns"])
        ws.cell(row=1, column=1, value=s["title"]).font = bold
        if ncol > 1:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        for j, (head, unit, _k) in enumerate(s["columns"], start=1):
            ws.cell(row=2, column=j, value=head).font = bold
            if unit:
                ws.cell(row=3, column=j, value=unit)
            ws.column_dimensions[get_column_letter(j)].width = 16
        for i, row in enumerate(s["rows"]):
            for j, v in enumerate(row, start=1):
                if v is not UP and v is not None:
                    ws.cell(row=4 + i, column=j, value=v)
        # merges: a run of UP cells joins the cell above the run
        for j in range(ncol):
            i = 0
            rows = s["rows"]
            while i < len(rows):
                k = i + 1
                while k < len(rows) and rows[k][j] is UP:
                    k += 1
                if k - i > 1:
                    ws.merge_cells(start_row=4 + i, start_column=j + 1,
                                   end_row=4 + k - 1, end_column=j + 1)
                    ws.cell(row=4 + i, column=j + 1).alignment = Alignment(vertical="top")
                i = k
        ws.freeze_panes = "A4"
    wb.properties.creator = "tools/make_workbooks.py"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise(buf.getvalue())


def normalise(data: bytes) -> bytes:
    """Fixed zip timestamps and document dates, so identical content gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def main() -> int:
    report = REPORT.read_text(encoding="utf-8")
    problems = check(report)
    if problems:
        print("error: transcription checks failed:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".xlsx.tmp")
    tmp.write_bytes(data)
    tmp.replace(OUT)
    for s in SHEETS:
        print(f"{s['name']}: {len(s['rows'])} rows")
    problems = check_contracts()
    if problems:
        print("error: contract checks failed:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
