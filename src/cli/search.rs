use std::io::IsTerminal;
use std::process::ExitCode;

use super::{Global, display_width, truncate};
use crate::index::query::{Filters, date_range};
use crate::index::{SearchIndex, SearchRequest, Sort};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 搜索词：词语、"短语"、-排除词、A OR B，及 单位:、栏目:、类型:、状态:、日期:2024-01..2024-06
    #[arg(value_name = "查询", required = true)]
    query: Vec<String>,
    /// 只看此单位（可多次给出；可用简称）
    #[arg(long, value_name = "单位")]
    unit: Vec<String>,
    /// 只看此栏目
    #[arg(long, value_name = "栏目")]
    section: Vec<String>,
    /// 只看此类型：报送 或 新闻
    #[arg(long, value_name = "类型")]
    kind: Vec<String>,
    /// 只看此状态：新收、审核中、已采用、已退稿、已归档
    #[arg(long, value_name = "状态")]
    status: Vec<String>,
    /// 日期范围：2024、2024-03、2024-01..2024-06
    #[arg(long, value_name = "范围")]
    date: Option<String>,
    /// 排序：relevance（相关度，默认）或 date（日期，新的在前）
    #[arg(long, value_enum, value_name = "方式", default_value_t = SortArg::Relevance)]
    sort: SortArg,
    /// 第几页
    #[arg(long, value_name = "页码", default_value_t = 1)]
    page: usize,
    /// 每页条数
    #[arg(long, value_name = "条数", default_value_t = 10)]
    per_page: usize,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum SortArg {
    Relevance,
    Date,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let (mut index, _) = SearchIndex::for_project(&project, &store)?;
    let mut filters = Filters {
        units: a.unit.clone(),
        sections: a.section.clone(),
        ..Default::default()
    };
    for k in &a.kind {
        match crate::index::query::kind_value(k) {
            Some(v) => filters.kinds.push(v.to_string()),
            None => anyhow::bail!("未知的类型「{k}」（可选：报送、新闻）"),
        }
    }
    for st in &a.status {
        let s: crate::store::Status = st.parse().map_err(anyhow::Error::msg)?;
        filters.statuses.push(s.as_str().to_string());
    }
    if let Some(d) = &a.date {
        match date_range(d) {
            Some((from, to)) => {
                filters.date_from = from;
                filters.date_to = to;
            }
            None => {
                anyhow::bail!("无法识别的日期范围「{d}」（例如 2024、2024-03、2024-01..2024-06）")
            }
        }
    }
    let text = a.query.join(" ");
    let per_page = a.per_page.clamp(1, crate::index::MAX_PAGE);
    let req = SearchRequest {
        query: text,
        filters,
        sort: match a.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
        },
        offset: (a.page.max(1) - 1).saturating_mul(per_page),
        limit: per_page,
        only_unit: None,
    };
    let res = match index.search(&req, &project.registry) {
        Ok(r) => r,
        // A damaged segment shows itself only when read: rebuild from the store, once.
        Err(crate::index::IndexError::Tantivy(_, e)) => {
            eprintln!("提示：搜索索引损坏（{e}），正在从数据库重建……");
            index.rebuild(&store, project.tz())?;
            index.search(&req, &project.registry)?
        }
        Err(e) => return Err(e.into()),
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&res)?);
        return Ok(ExitCode::SUCCESS);
    }
    let tty = std::io::stdout().is_terminal();
    let (open, close) = if tty {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    for w in res.warnings.iter().chain(&res.notes) {
        eprintln!("提示：{w}");
    }
    println!(
        "「{}」共 {} 篇（{:.1} 毫秒）",
        a.query.join(" "),
        res.total,
        res.took_ms
    );
    let tz = project.tz();
    for (i, h) in res.hits.iter().enumerate() {
        let date = chrono::DateTime::parse_from_rfc3339(&h.date)
            .map(|d| d.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let status = h
            .status
            .parse::<crate::store::Status>()
            .map(|s| s.label())
            .unwrap_or(&h.status);
        let meta: Vec<&str> = [
            h.unit.as_deref(),
            h.section.as_deref(),
            Some(date.as_str()),
            Some(status),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
        println!(
            "\n{:>3}. {}",
            res.offset + i + 1,
            h.title.render(open, close)
        );
        println!("     {}　[{}]", meta.join(" · "), h.id);
        if !h.snippet.text.is_empty() {
            println!("     {}", h.snippet.render(open, close));
        }
    }
    let pages = res.total.div_ceil(per_page);
    if pages > 1 {
        println!("\n第 {}/{pages} 页（--page N 翻页）", a.page.max(1));
    }
    let line = |label: &str, v: &[(String, u64)]| {
        if v.len() > 1 || (v.len() == 1 && res.total > 0) {
            let parts: Vec<String> = v.iter().take(8).map(|(k, n)| format!("{k} {n}")).collect();
            let s = parts.join(" · ");
            println!(
                "{label}：{}",
                if display_width(&s) > 110 {
                    truncate(&s, 110)
                } else {
                    s
                }
            );
        }
    };
    if res.total > 0 {
        println!();
        line("按单位", &res.facets.unit);
        line("按栏目", &res.facets.section);
        let kinds: Vec<(String, u64)> = res
            .facets
            .kind
            .iter()
            .map(|(k, n)| {
                let label = match k.as_str() {
                    "submission" => "报送",
                    "news" => "新闻",
                    other => other,
                };
                (label.to_string(), *n)
            })
            .collect();
        line("按类型", &kinds);
        line("按年份", &res.facets.year);
    }
    Ok(ExitCode::SUCCESS)
}
