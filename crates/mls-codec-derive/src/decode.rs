//! `#[derive(Decode)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Data, DeriveInput, Fields, Ident};

use crate::attr::{add_bound, binding_names, fields_shape, reject_codec_attrs, select_enum};

/// Generates `impl ::mls_codec::Decode for ..`.
pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let body = match &input.data {
        Data::Struct(data) => {
            reject_codec_attrs(&input.attrs, "structs")?;
            for field in data.fields.iter() {
                reject_codec_attrs(&field.attrs, "fields")?;
            }
            let construct = construct(quote!(Self), &data.fields);
            quote! { ::core::result::Result::Ok(#construct) }
        }
        Data::Enum(data) => {
            let select = select_enum(input, data)?;
            let tag_type = &select.tag_type;
            let arms = select.variants.iter().map(|(variant, tag)| {
                let ident = &variant.ident;
                let construct = construct(quote!(Self::#ident), &variant.fields);
                quote! {
                    __t if __t == { let __tag: #tag_type = #tag; __tag } => {
                        ::core::result::Result::Ok(#construct)
                    }
                }
            });
            quote! {
                let __tag: #tag_type = ::mls_codec::Decode::decode(__r)?;
                match __tag {
                    #(#arms)*
                    __t => ::core::result::Result::Err(
                        ::mls_codec::Error::UnknownDiscriminant(::core::convert::From::from(__t)),
                    ),
                }
            }
        }
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "Decode cannot be derived for unions",
            ))
        }
    };

    let ident = &input.ident;
    let generics = add_bound(&input.generics, parse_quote!(::mls_codec::Decode));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::mls_codec::Decode for #ident #ty_generics #where_clause {
            fn decode(
                __r: &mut ::mls_codec::Reader<'_>,
            ) -> ::core::result::Result<Self, ::mls_codec::Error> {
                #body
            }
        }
    })
}

/// `path { a: decode?, .. }`, `path(decode?, ..)` or `path`, decoding the
/// fields in declaration order.
fn construct(path: TokenStream, fields: &Fields) -> TokenStream {
    let names: Vec<Ident> = binding_names(fields);
    let shape = fields_shape(fields, &names);
    quote! {{
        #( let #names = ::mls_codec::Decode::decode(__r)?; )*
        #path #shape
    }}
}
