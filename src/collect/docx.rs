// Temporary placeholder until the docx reader lands (being written in parallel).
#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    Title,
    Heading(u8),
    Paragraph,
    ListItem { ordered: bool, level: u8 },
    Table,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    pub markdown: String,
    pub text: String,
}
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("文件损坏")]
    Bad,
}
pub fn read_docx(_bytes: &[u8]) -> Result<Vec<Block>, DocxError> {
    Err(DocxError::Bad)
}
pub fn blocks_to_markdown(_blocks: &[Block]) -> String {
    String::new()
}
