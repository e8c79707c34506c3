//! [`Encode`](crate::Encode) and [`Decode`](crate::Decode) for standard types.

mod array;
mod collections;
mod int;
mod option;
mod pointer;
mod vec;
