//! Parsing of `#[codec(..)]` attributes and shared helpers.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{
    Attribute, DataEnum, DeriveInput, Expr, Fields, Generics, Ident, Path, Type, TypeParamBound,
    Variant,
};

/// The discriminant types an enum may use.
const TAG_TYPES: [&str; 4] = ["u8", "u16", "u32", "u64"];

/// Finds the single `#[codec(tag = ..)]` among `attrs` and parses its value
/// with `parse`. `owner` spans the error when it is missing.
fn tag_attr<T>(
    attrs: &[Attribute],
    owner: Span,
    missing: &str,
    parse: impl Fn(syn::parse::ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<T> {
    let mut found: Option<T> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("codec")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("tag") {
                if found.is_some() {
                    return Err(meta.error("duplicate `tag` in #[codec(..)]"));
                }
                let value = meta.value()?;
                found = Some(parse(value)?);
                Ok(())
            } else {
                Err(meta.error("unknown #[codec(..)] key; expected `tag`"))
            }
        })?;
    }
    found.ok_or_else(|| syn::Error::new(owner, missing))
}

/// Rejects `#[codec(..)]` where it has no meaning (structs, fields).
pub fn reject_codec_attrs(attrs: &[Attribute], what: &str) -> syn::Result<()> {
    match attrs.iter().find(|a| a.path().is_ident("codec")) {
        Some(attr) => Err(syn::Error::new(
            attr.span(),
            format!("#[codec(..)] is not supported on {what}"),
        )),
        None => Ok(()),
    }
}

/// A parsed `select` enum: its discriminant type and each variant's tag.
pub struct SelectEnum<'a> {
    /// The discriminant type, e.g. `u16`.
    pub tag_type: Type,
    /// Each variant with its tag expression, in declaration order.
    pub variants: Vec<(&'a Variant, Expr)>,
}

/// Reads the enum's `#[codec(tag = uN)]` and every variant's
/// `#[codec(tag = EXPR)]`.
pub fn select_enum<'a>(input: &DeriveInput, data: &'a DataEnum) -> syn::Result<SelectEnum<'a>> {
    let tag_type: Type = tag_attr(
        &input.attrs,
        input.ident.span(),
        "a select enum needs `#[codec(tag = u16)]` (or u8, u32, u64) naming its discriminant type",
        |value| value.parse(),
    )?;
    let is_int = matches!(&tag_type, Type::Path(p) if p.qself.is_none()
        && TAG_TYPES.iter().any(|t| p.path.is_ident(t)));
    if !is_int {
        return Err(syn::Error::new(
            tag_type.span(),
            "the discriminant type must be one of u8, u16, u32, u64",
        ));
    }
    let mut variants = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for variant in &data.variants {
        for field in variant.fields.iter() {
            reject_codec_attrs(&field.attrs, "fields")?;
        }
        let tag = tag_attr(
            &variant.attrs,
            variant.ident.span(),
            &format!(
                "variant `{}` needs `#[codec(tag = EXPR)]` with its {} code point",
                variant.ident,
                quote!(#tag_type)
            ),
            |value| value.parse::<Expr>(),
        );
        match tag {
            Ok(tag) => variants.push((variant, tag)),
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(SelectEnum { tag_type, variants }),
    }
}

/// Names for the fields of a variant or struct when bound in a pattern:
/// the field names themselves, or `f0, f1, ..` for tuple fields.
pub fn binding_names(fields: &Fields) -> Vec<Ident> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| match &f.ident {
            Some(ident) => ident.clone(),
            None => format_ident!("__f{}", i),
        })
        .collect()
}

/// A pattern or constructor body for `fields` using `names`:
/// `{ a, b }`, `(__f0, __f1)` or nothing.
pub fn fields_shape(fields: &Fields, names: &[Ident]) -> TokenStream {
    match fields {
        Fields::Named(_) => quote!({ #(#names),* }),
        Fields::Unnamed(_) => quote!(( #(#names),* )),
        Fields::Unit => quote!(),
    }
}

/// `generics` with `bound` added to every type parameter.
pub fn add_bound(generics: &Generics, bound: Path) -> Generics {
    let mut generics = generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.push(TypeParamBound::Trait(syn::TraitBound {
            paren_token: None,
            modifier: syn::TraitBoundModifier::None,
            lifetimes: None,
            path: bound.clone(),
        }));
    }
    generics
}
