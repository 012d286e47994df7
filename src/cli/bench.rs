//! `caibian bench site --items N | --from DIR`: times the site builder — a full build, then
//! one article changed and rebuilt incrementally — and reports peak memory, output size and
//! search-index size. `--from` reads a folder of Markdown articles with YAML front matter
//! (the layout `gen_corpus.py` writes for Hugo), so the same articles can be timed with Hugo.
//! Builds go to a temporary folder that is removed afterwards.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use super::Global;
use crate::site::{self, SiteInput};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand, Debug)]
enum What {
    /// 网站构建：全量构建、改一篇后的增量构建、峰值内存、输出和搜索索引大小
    Site(SiteArgs),
    /// 编辑工作台：库中有 N 篇稿件时，收件箱、搜索和 API 页面在并发请求下的响应时间（p50/p95/p99）
    Web(super::bench_web::WebArgs),
}

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
struct SiteArgs {
    /// 生成 N 篇文章来测
    #[arg(long, value_name = "N", conflicts_with = "from")]
    items: Option<usize>,
    /// 用一个目录里的 Markdown 文章来测（YAML 文件头：title、date、description、column、tags、author、source）
    #[arg(long, value_name = "目录")]
    from: Option<PathBuf>,
    /// 另做一次全量构建，逐字节比较增量构建的结果
    #[arg(long)]
    verify: bool,
    /// 保留构建结果在这个目录（默认用完即删）
    #[arg(long, value_name = "目录")]
    keep: Option<PathBuf>,
}

pub fn exec(_g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let s = match a.what {
        What::Site(s) => s,
        What::Web(w) => return super::bench_web::exec(w),
    };
    let t0 = Instant::now();
    let mut input = match (&s.from, s.items) {
        (Some(dir), _) => site::content::from_folder(dir, chrono_tz::Asia::Shanghai)?,
        (None, Some(n)) => generate(n),
        (None, None) => anyhow::bail!("请用 --items N 或 --from 目录 指定测试文章"),
    };
    let load = t0.elapsed().as_secs_f64();
    let n = input.articles.len();
    if n == 0 {
        anyhow::bail!("没有文章可测");
    }
    let work = match &s.keep {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("caibian-bench-{}", std::process::id())),
    };
    let _ = std::fs::remove_dir_all(&work);
    let layout = |name: &str| site::Layout {
        builds: work.join(name).join("builds"),
        cache: work.join(name).join("cache.json"),
        output: work.join(name).join("public"),
        keep: 2,
    };
    let theme = site::Theme::load(&work.join("no-theme-overrides"))?;
    let main = layout("main");
    let full = site::build(&input, &theme, &main, true)?;
    let peak_full = peak_mb();
    // One article changed: the middle one's body gets a sentence.
    let mid = n / 2;
    let changed = format!(
        "{}\n\n本文于基准测试中修改：增加了这一句话。\n",
        input.articles[mid].body.text()?
    );
    input.articles[mid].body = site::content::BodyText::Text(changed);
    let t = Instant::now();
    let inc = site::build(&input, &theme, &main, false)?;
    let inc_s = t.elapsed().as_secs_f64();
    println!("网站构建基准（{n} 篇文章，读取/生成用时 {load:.2} 秒）");
    println!(
        "  全量构建      {:>8.2} 秒   {} 个文件，输出 {:.1} MB，搜索索引 {:.1} MB",
        full.seconds,
        full.outputs,
        full.output_bytes as f64 / 1e6,
        full.search_bytes as f64 / 1e6
    );
    println!(
        "  改一篇后重建  {:>8.3} 秒   新生成 {} 个文件，沿用 {} 个",
        inc_s, inc.written, inc.reused
    );
    println!("  峰值内存（进程，含读取）{peak_full:.0} MB");
    if s.verify {
        let check = layout("check");
        let again = site::build(&input, &theme, &check, true)?;
        let diff = compare(&inc.dir, &again.dir)?;
        if diff.is_empty() {
            println!(
                "  逐字节比较：增量构建与全量构建完全相同（{} 个文件）",
                again.outputs
            );
        } else {
            println!("  逐字节比较：{} 个文件不同，例如 {}", diff.len(), diff[0]);
            return Ok(ExitCode::FAILURE);
        }
    }
    if s.keep.is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(ExitCode::SUCCESS)
}

/// VmHWM of this process, in MB.
pub(crate) fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Relative paths whose bytes differ (or exist on one side only).
fn compare(a: &std::path::Path, b: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let files =
        |root: &std::path::Path| -> anyhow::Result<std::collections::BTreeMap<PathBuf, PathBuf>> {
            let root = root.canonicalize()?;
            Ok(crate::fsio::files_under(&root)?
                .into_iter()
                .filter_map(|p| Some((p.strip_prefix(&root).ok()?.to_path_buf(), p)))
                .collect())
        };
    let (fa, fb) = (files(a)?, files(b)?);
    let mut diff = Vec::new();
    for (rel, pa) in &fa {
        match fb.get(rel) {
            Some(pb) if std::fs::read(pa)? == std::fs::read(pb)? => {}
            _ => diff.push(rel.display().to_string()),
        }
    }
    for rel in fb.keys() {
        if !fa.contains_key(rel) {
            diff.push(rel.display().to_string());
        }
    }
    Ok(diff)
}

/// Topics of generated benchmark articles (site and web benchmarks).
pub(crate) const TOPICS: [&str; 16] = [
    "乡村振兴",
    "营商环境",
    "生态环境保护",
    "预算审查监督",
    "养老服务",
    "义务教育",
    "食品安全",
    "安全生产",
    "城市更新",
    "科技创新",
    "知识产权保护",
    "数字经济",
    "耕地保护",
    "河湖长制",
    "文化遗产保护",
    "基层治理",
];

/// N articles of realistic length (about 2,000 characters) in 8 columns with tags, from a
/// fixed seed, so runs are comparable.
pub fn generate(n: usize) -> SiteInput {
    const COLUMNS: [(&str, &str); 8] = [
        ("人大要闻", "yaowen"),
        ("常委会工作", "changwei"),
        ("立法动态", "lifa"),
        ("监督视窗", "jiandu"),
        ("代表风采", "daibiao"),
        ("基层人大", "jiceng"),
        ("理论研讨", "lilun"),
        ("法治时评", "shiping"),
    ];
    const PLACES: [&str; 12] = [
        "青山区",
        "云溪县",
        "南岭镇",
        "西江街道",
        "北塘乡",
        "安平县",
        "永宁区",
        "长丰镇",
        "清河街道",
        "泰和县",
        "新安区",
        "龙泉乡",
    ];
    const SENTENCES: [&str; 10] = [
        "会议听取了市人民政府关于{t}工作情况的报告，常委会组成人员进行了认真审议。",
        "{p}人大常委会组织部分代表深入一线，就{t}开展专题调研，走访企业和群众，收集意见建议。",
        "检查组先后实地察看了多个点位，召开座谈会，听取有关部门和基层代表的意见建议。",
        "代表们认为，推进{t}必须坚持问题导向，加强制度建设，完善工作机制，形成工作合力。",
        "会议要求，要建立问题清单和整改台账，加大资金投入，切实推动{t}各项工作落地见效。",
        "{p}累计办理代表建议一百余件，其中涉及{t}的占两成以上，办理满意率持续提高。",
        "常委会将持续跟踪监督，适时开展“回头看”，确保审议意见落到实处、取得实效。",
        "与会人员还就{t}与基层治理的协同推进进行了深入讨论，提出要加强政策衔接和数据共享。",
        "市人大代表表示，基层人大工作大有可为，将继续围绕{t}认真履职，反映群众呼声。",
        "按照常委会年度工作要点，{p}人大常委会将于下半年对{t}工作开展专项评议。",
    ];
    let mut x: u64 = 0x2024_0501;
    let mut rnd = move |m: usize| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((x >> 33) as usize) % m
    };
    let mut articles = Vec::with_capacity(n);
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    for i in 0..n {
        let (col, _) = COLUMNS[rnd(COLUMNS.len())];
        let t = TOPICS[rnd(TOPICS.len())];
        let p = PLACES[rnd(PLACES.len())];
        let day = start + chrono::Days::new((i * 2190 / n.max(1)) as u64);
        let date = day.format("%Y-%m-%d").to_string();
        let mut body = String::with_capacity(6000);
        for s in 0..4 {
            body.push_str(&format!("## {}、{}\n\n", ["一", "二", "三", "四"][s], t));
            for _ in 0..3 {
                for _ in 0..4 {
                    body.push_str(
                        &SENTENCES[rnd(SENTENCES.len())]
                            .replace("{t}", t)
                            .replace("{p}", p),
                    );
                }
                body.push_str(&format!("（第{}条记录，编号{}）\n\n", i, rnd(100_000)));
            }
        }
        let id = format!("a{i:06}");
        articles.push(site::content::Article {
            url: site::content::url_for(&date, &id),
            id,
            title: format!("{p}人大常委会推进{t}工作（{i}）"),
            datetime: format!("{date}T09:00:00+08:00"),
            date,
            column: Some(col.to_string()),
            unit: Some(format!("{p}人大常委会")),
            authors: vec!["李明".to_string()],
            source: None,
            tags: vec![t.to_string(), p.to_string()],
            summary: String::new(),
            body: site::content::BodyText::Text(body),
            issue: None,
            featured: i % 97 == 0,
        });
    }
    SiteInput::new(
        "基准测试人大网".into(),
        "基准测试人大常委会办公室".into(),
        String::new(),
        "http://localhost",
        20,
        COLUMNS
            .iter()
            .map(|(n, s)| site::content::Column {
                name: n.to_string(),
                slug: s.to_string(),
            })
            .collect(),
        articles,
    )
}
