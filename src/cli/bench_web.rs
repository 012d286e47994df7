//! `caibian bench web --items N`: the editors' web application under load with N items in the
//! store. Builds a throw-away project (N generated items over five years, twelve units, eight
//! columns, every status, saved editorial values; the real tantivy index), starts the real
//! server on loopback, logs in, and sends each page `--requests` times from `--concurrency`
//! clients at once, printing p50/p95/p99 latency and throughput per page.
//!
//! Items are written with plain INSERTs in one transaction rather than `store_item`: the store's
//! per-item durability and near-duplicate checks are ingest's cost (timed by `benches/ingest`),
//! not the web's, and would take minutes for 100,000 items.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::params;

use super::bench::TOPICS;
use crate::collect::Cancel;
use crate::project::Project;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct WebArgs {
    /// 库中稿件数
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    items: usize,
    /// 并发客户端数，可写多个（逗号分隔），逐一测量
    #[arg(long, value_name = "N,…", value_delimiter = ',', default_values_t = [1, 4, 8])]
    concurrency: Vec<usize>,
    /// 每个页面、每种并发的请求数
    #[arg(long, value_name = "N", default_value_t = 300)]
    requests: usize,
    /// 测试项目放在这个目录并保留（默认用完即删；已有的项目直接复用，省去生成和建索引）
    #[arg(long, value_name = "目录")]
    keep: Option<std::path::PathBuf>,
}

const UNITS: [&str; 12] = [
    "东城区人大常委会",
    "西湖县人大常委会",
    "南山县人大常委会",
    "北塘县人大常委会",
    "青山区人大常委会",
    "云溪县人大常委会",
    "安平县人大常委会",
    "永宁区人大常委会",
    "泰和县人大常委会",
    "江北市人大常委会法制工作委员会",
    "江北市人大财政经济委员会",
    "东湖街道人大代表联络站",
];
const SECTIONS: [&str; 8] = [
    "常委会工作",
    "立法之窗",
    "监督视窗",
    "代表风采",
    "基层人大",
    "理论研讨",
    "人大新闻",
    "法治时评",
];
const ACTS: [&str; 8] = [
    "开展专题调研",
    "开展执法检查",
    "听取和审议专项工作报告",
    "召开座谈会",
    "组织代表视察",
    "开展满意度测评",
    "推进代表建议办理",
    "召开立法协商会",
];
const CHARS: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";

struct Rng(u64);
impl Rng {
    fn next(&mut self, m: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % m.max(1)
    }
}

fn config() -> String {
    let mut c = String::from(
        "[project]\nname = \"江北市人大常委会办公室\"\n\n[[publications]]\nname = \"人大信息\"\nkind = \"bulletin\"\nissues_per_year = 48\n\n",
    );
    for u in UNITS {
        let kind = if u.contains("委员会") && u.starts_with("江北") {
            if u.contains("工作") {
                "工作机构"
            } else {
                "专门委员会"
            }
        } else if u.contains("联络站") {
            "代表联络站"
        } else {
            "县区人大"
        };
        c.push_str(&format!("[[units]]\nname = \"{u}\"\ntype = \"{kind}\"\n\n"));
    }
    for s in SECTIONS {
        c.push_str(&format!("[[sections]]\nname = \"{s}\"\n\n"));
    }
    c
}

/// N items: text of office phrases and common characters, so no two are alike.
fn fill(project: &Project, n: usize) -> anyhow::Result<()> {
    let store = project.open_store()?;
    let db = store.conn();
    let units: Vec<i64> = UNITS
        .iter()
        .map(|u| db.query_row("SELECT id FROM units WHERE name = ?1", [u], |r| r.get(0)))
        .collect::<Result<_, _>>()?;
    let chars: Vec<char> = CHARS.chars().collect();
    let mut rng = Rng(0x5eed);
    let start = chrono::DateTime::parse_from_rfc3339("2021-12-01T00:00:00Z")?.to_utc();
    let span = (chrono::Utc::now() - start).num_seconds().max(1) as usize;
    db.execute_batch("BEGIN")?;
    {
        let mut item = db.prepare(
            "INSERT INTO items(id, kind, unit_id, title, body, genre, written_at, collected_at,
                               source, section, status, content_hash, updated_at, outlet)
             VALUES (?1, ?2, ?3, ?4, ?5, '信息', ?6, ?7, 'bench', ?8, ?9, ?10, ?7, ?11)",
        )?;
        let mut band =
            db.prepare("INSERT INTO item_bands(band, value, item_id) VALUES (-1, 0, ?1)")?;
        let mut value = db.prepare(
            "INSERT INTO item_values(item_id, total, parts, computed_at) VALUES (?1, ?2, '[]', ?3)",
        )?;
        for i in 0..n {
            let unit = rng.next(UNITS.len());
            let topic = TOPICS[rng.next(TOPICS.len())];
            let title = format!(
                "{}{}{}工作（{}）",
                UNITS[unit],
                ACTS[rng.next(ACTS.len())],
                topic,
                i
            );
            let mut body = String::with_capacity(3600);
            for p in 0..4 {
                body.push_str(&format!("{}方面，{}围绕{topic}", p + 1, UNITS[unit]));
                for _ in 0..90 {
                    body.push(chars[rng.next(chars.len())]);
                    if rng.next(17) == 0 {
                        body.push_str(TOPICS[rng.next(TOPICS.len())]);
                    }
                    if rng.next(23) == 0 {
                        body.push('，');
                    }
                }
                body.push_str("。\n\n");
            }
            let at = start + chrono::Duration::seconds((i * span / n.max(1)) as i64);
            let at_s = crate::store::ts(at);
            let news = rng.next(10) < 3;
            // Most of the archive is dealt with; the inbox holds the recent few percent.
            let status = match rng.next(100) {
                0..=2 => "new",
                3..=4 => "reviewing",
                5..=59 => "adopted",
                60..=69 => "returned",
                _ => "archived",
            };
            let id = format!(
                "{:012x}",
                (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16
            );
            item.execute(params![
                id,
                if news { "news" } else { "submission" },
                (!news).then_some(units[unit]),
                title,
                body,
                at.format("%Y-%m-%d").to_string(),
                at_s,
                SECTIONS[rng.next(SECTIONS.len())],
                status,
                format!("bench-{i}"),
                news.then_some("江北日报"),
            ])?;
            band.execute([&id])?;
            value.execute(params![id, rng.next(10_000) as f64 / 100.0, at_s])?;
        }
    }
    db.execute_batch("COMMIT")?;
    Ok(())
}

struct Figures {
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    rps: f64,
    errors: usize,
}

async fn load(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
    concurrency: usize,
    requests: usize,
) -> Figures {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, cookie, next) = (
            client.clone(),
            format!("{base}{path}"),
            cookie.to_string(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0;
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < requests {
                let t = Instant::now();
                let ok = match client.get(&url).header("cookie", &cookie).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if !ok {
                    errors += 1;
                }
            }
            (times, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((times, e)) = t.await {
            all.extend(times);
            errors += e;
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        all.get(((all.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    Figures {
        p50: pct(0.50),
        p95: pct(0.95),
        p99: pct(0.99),
        max: all.last().copied().unwrap_or(0.0),
        rps: all.len() as f64 / wall.max(1e-9),
        errors,
    }
}

pub fn exec(a: WebArgs) -> anyhow::Result<ExitCode> {
    let root = match &a.keep {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("caibian-bench-web-{}", std::process::id())),
    };
    let fresh = !root.join("caibian.toml").is_file();
    if fresh {
        std::fs::create_dir_all(root.join("pipelines"))?;
        std::fs::write(root.join("caibian.toml"), config())?;
    }
    let project = Project::load(&root)?;
    let t = Instant::now();
    if fresh {
        fill(&project, a.items)?;
        let store = project.open_store()?;
        let hash = crate::web::hash_password("benchpass1").map_err(anyhow::Error::msg)?;
        store_user(&project, &hash)?;
        let (idx, _) = crate::index::SearchIndex::for_project(&project, &store)?;
        drop(idx);
    }
    let n: i64 = project.open_store()?.item_count()?;
    println!(
        "编辑工作台基准：库中 {n} 篇稿件（准备用时 {:.1} 秒），每个页面、每种并发 {} 次请求",
        t.elapsed().as_secs_f64(),
        a.requests
    );
    let project = Arc::new(project);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let res = rt.block_on(async {
        let app = crate::web::App::new(project.clone(), Cancel::new(), false);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(crate::web::serve(app, listener, async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(a.concurrency.iter().copied().max().unwrap_or(1))
            .build()?;
        let login = client
            .post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=bench&password=benchpass1")
            .send()
            .await?;
        let cookie = login
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or_else(|| anyhow::anyhow!("登录失败：{}", login.status()))?
            .to_string();
        let unit =
            percent_encoding::utf8_percent_encode(UNITS[1], percent_encoding::NON_ALPHANUMERIC);
        let q = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let pages = [
            ("收件箱（待审，按价值）", "/inbox".to_string()),
            ("收件箱（全部，按价值）", "/inbox?status=all".to_string()),
            (
                "收件箱（单位+栏目+日期，第3页）",
                format!(
                    "/inbox?status=all&unit={unit}&section={}&from=2024-01-01&to=2025-12-31&page=3",
                    q("监督视窗")
                ),
            ),
            (
                "收件箱（全部，最新，第200页）",
                "/inbox?status=all&sort=newest&page=200".to_string(),
            ),
            // The generator puts 乡村振兴 in three items of four: the worst case of a word
            // nearly everything contains. 执法检查 is in one title of eight.
            (
                "搜索：乡村振兴（3/4 命中）",
                format!("/search?q={}", q("乡村振兴")),
            ),
            (
                "搜索：执法检查（1/8 命中）",
                format!("/search?q={}", q("执法检查")),
            ),
            (
                "搜索：两个词",
                format!("/search?q={}", q("营商环境 执法检查")),
            ),
            (
                "搜索：短语+单位+日期，第2页",
                format!(
                    "/search?q={}&page=2",
                    q("\"专题调研\" 单位:西湖县人大常委会 日期:2024")
                ),
            ),
            (
                "搜索：按日期排序",
                format!("/search?q={}&sort=date", q("代表建议")),
            ),
            (
                "API：稿件列表",
                "/api/items?status=all&per_page=50".to_string(),
            ),
            ("API：搜索", format!("/api/search?q={}", q("预算审查监督"))),
        ];
        for &c in &a.concurrency {
            println!("\n  {c} 个并发客户端（毫秒）");
            println!(
                "  {}{:>9}{:>9}{:>9}{:>9}{:>10}{:>6}",
                super::pad("页面", 34),
                "p50",
                "p95",
                "p99",
                "最长",
                "请求/秒",
                "出错"
            );
            for (name, path) in &pages {
                // Warm up: the first search opens the index.
                let _ = client
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .send()
                    .await;
                let f = load(&client, &base, path, &cookie, c.max(1), a.requests).await;
                println!(
                    "  {}{:>9.1}{:>9.1}{:>9.1}{:>9.1}{:>10.0}{:>6}",
                    super::pad(name, 34),
                    f.p50,
                    f.p95,
                    f.p99,
                    f.max,
                    f.rps,
                    f.errors
                );
            }
        }
        println!(
            "\n  峰值内存（服务端和负载客户端同在本进程）{:.0} MB",
            super::bench::peak_mb()
        );
        let _ = tx.send(());
        let _ = server.await;
        anyhow::Ok(())
    });
    if a.keep.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    res?;
    Ok(ExitCode::SUCCESS)
}

fn store_user(project: &Project, hash: &str) -> anyhow::Result<()> {
    let mut store = project.open_store()?;
    store.add_user(
        "bench",
        "基准",
        crate::store::Role::Editor,
        None,
        hash,
        "bench",
    )?;
    Ok(())
}
