//! `#[derive(Encode)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Data, DeriveInput};

use crate::attr::{add_bound, binding_names, fields_shape, reject_codec_attrs, select_enum};

/// Generates `impl ::mls_codec::Encode for ..`.
pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let (encode_body, len_body) = match &input.data {
        Data::Struct(data) => {
            reject_codec_attrs(&input.attrs, "structs")?;
            for field in data.fields.iter() {
                reject_codec_attrs(&field.attrs, "fields")?;
            }
            let names = binding_names(&data.fields);
            let shape = fields_shape(&data.fields, &names);
            let encode = encode_fields(&names);
            let len = len_fields(&names);
            (
                quote! {
                    let Self #shape = self;
                    #encode
                    ::core::result::Result::Ok(())
                },
                quote! {
                    let Self #shape = self;
                    #len
                },
            )
        }
        Data::Enum(data) => {
            let select = select_enum(input, data)?;
            let tag_type = &select.tag_type;
            let mut encode_arms = Vec::new();
            let mut len_arms = Vec::new();
            for (variant, tag) in &select.variants {
                let ident = &variant.ident;
                let names = binding_names(&variant.fields);
                let shape = fields_shape(&variant.fields, &names);
                let encode = encode_fields(&names);
                let len = len_fields(&names);
                encode_arms.push(quote! {
                    Self::#ident #shape => {
                        let __tag: #tag_type = #tag;
                        ::mls_codec::Encode::encode(&__tag, __out)?;
                        #encode
                        ::core::result::Result::Ok(())
                    }
                });
                len_arms.push(quote! {
                    Self::#ident #shape => {
                        let __tag: #tag_type = #tag;
                        ::mls_codec::Encode::encoded_len(&__tag).saturating_add(#len)
                    }
                });
            }
            // An enum without variants has no values: `match *self {}`.
            let scrutinee = if select.variants.is_empty() {
                quote!(*self)
            } else {
                quote!(self)
            };
            (
                quote! {
                    match #scrutinee { #(#encode_arms)* }
                },
                quote! {
                    match #scrutinee { #(#len_arms)* }
                },
            )
        }
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "Encode cannot be derived for unions",
            ))
        }
    };

    let ident = &input.ident;
    let generics = add_bound(&input.generics, parse_quote!(::mls_codec::Encode));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::mls_codec::Encode for #ident #ty_generics #where_clause {
            fn encode(
                &self,
                __out: &mut ::mls_codec::__private::Vec<u8>,
            ) -> ::core::result::Result<(), ::mls_codec::Error> {
                #encode_body
            }

            fn encoded_len(&self) -> usize {
                #len_body
            }
        }
    })
}

/// Encodes each bound field in order.
fn encode_fields(names: &[syn::Ident]) -> TokenStream {
    quote! { #( ::mls_codec::Encode::encode(#names, __out)?; )* }
}

/// The sum of the bound fields' encoded lengths.
fn len_fields(names: &[syn::Ident]) -> TokenStream {
    quote! {
        0usize #( .saturating_add(::mls_codec::Encode::encoded_len(#names)) )*
    }
}
