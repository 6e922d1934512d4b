//! What an API token may do. A browser session may do everything its person may; a token only
//! what its scopes name, and never anything an admin does ([`super::may_administer`]). Each
//! door of the JSON API that takes a token says which scope it needs, and asks here.

use std::fmt;

/// One thing a token may be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// List one's rooms and read their history, and search them.
    Read,
    /// Post messages, react to them and upload files.
    Post,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Post];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Post => "post",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    fn bit(self) -> u8 {
        match self {
            Scope::Read => 1,
            Scope::Post => 2,
        }
    }
}

/// A set of scopes.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> Scopes {
        Scopes(scopes.into_iter().fold(0, |bits, scope| bits | scope.bit()))
    }

    /// The scopes stored names; a name this build does not know grants nothing.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Scopes {
        Scopes::of(names.into_iter().filter_map(Scope::parse))
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes, in [`Scope::ALL`]'s order.
    pub fn names(self) -> Vec<&'static str> {
        Scope::ALL
            .into_iter()
            .filter(|&scope| self.contains(scope))
            .map(Scope::as_str)
            .collect()
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

/// A token asked for what its scopes do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsufficientScope(pub Scope);

/// Whether `actor` may do what `scope` covers, by the way they came in.
pub fn may_use(actor: &super::Actor, scope: Scope) -> Result<(), InsufficientScope> {
    match actor.via {
        super::Via::Session => Ok(()),
        super::Via::Token(scopes) if scopes.contains(scope) => Ok(()),
        super::Via::Token(_) => Err(InsufficientScope(scope)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Actor, ServerRole, Via};
    use super::*;

    #[test]
    fn a_session_may_do_all_and_a_token_only_what_its_scopes_name() {
        let actor = |via| Actor {
            user_id: 1,
            via,
            role: ServerRole::Member,
        };
        for scope in Scope::ALL {
            assert_eq!(may_use(&actor(Via::Session), scope), Ok(()));
        }
        let reader = actor(Via::Token(Scopes::of([Scope::Read])));
        assert_eq!(may_use(&reader, Scope::Read), Ok(()));
        assert_eq!(
            may_use(&reader, Scope::Post),
            Err(InsufficientScope(Scope::Post))
        );
        let nothing = actor(Via::Token(Scopes::parse(["admin", "write"])));
        for scope in Scope::ALL {
            assert!(
                may_use(&nothing, scope).is_err(),
                "unknown names grant nothing"
            );
        }
        assert_eq!(Scopes::parse(["post", "read"]).names(), ["read", "post"]);
    }
}
