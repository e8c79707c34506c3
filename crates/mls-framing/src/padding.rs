//! The padding policy of PrivateMessageContent (RFC 9420 §6.3.1, §15.1).

/// How many zero bytes a sender appends to a PrivateMessageContent
/// (RFC 9420 §6.3.1, §15.1). The receiver only checks that they are zero.
///
/// ```
/// use mls_framing::Padding;
/// assert_eq!(Padding::None.padding_len(10), 0);
/// assert_eq!(Padding::PadTo(32).padding_len(10), 22);
/// assert_eq!(Padding::PadTo(32).padding_len(64), 0);
/// assert_eq!(Padding::Custom(|len| len / 2).padding_len(10), 5);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub enum Padding {
    /// No padding.
    #[default]
    None,
    /// Pad the content (content body and auth data) to a multiple of this
    /// many bytes; 0 and 1 mean no padding.
    PadTo(usize),
    /// A function from the unpadded content length to the number of zero
    /// bytes to append.
    Custom(fn(usize) -> usize),
}

impl Padding {
    /// The number of zero bytes to append to a content of `content_len` bytes.
    pub fn padding_len(&self, content_len: usize) -> usize {
        match *self {
            Padding::None => 0,
            Padding::PadTo(n) if n <= 1 => 0,
            Padding::PadTo(n) => match content_len % n {
                0 => 0,
                r => n - r,
            },
            Padding::Custom(f) => f(content_len),
        }
    }
}
