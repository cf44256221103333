//! `text_enum!`: an enum kept as one fixed name per value, in a text column, a form field or a
//! URL. On the server the enum is the entity's field itself (a SeaORM active enum), so a stored
//! value is read and compared as the enum, never as text; `as_str` and `parse` are the one
//! conversion for forms and URLs.

/// Declares the enum, its SeaORM active-enum derive (server only: the browser has no SeaORM),
/// `ALL` in declaration order, `as_str` and `parse`.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[cfg_attr(feature = "ssr", sea_orm(string_value = $text))]
                $variant,
            )+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|value| value.as_str() == s)
            }
        }
    };
}
