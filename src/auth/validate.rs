//! Input rules for accounts (USING.md, "Limits on what you type"), checked before anything is
//! hashed or stored.

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 1024;

/// 3–32 characters of `A-Z a-z 0-9 _ . -`.
pub fn check_username(username: &str) -> Result<(), &'static str> {
    let len = username.chars().count();
    if len < USERNAME_MIN {
        return Err("Username must be at least 3 characters.");
    }
    if len > USERNAME_MAX {
        return Err("Username must be at most 32 characters.");
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err("Username may only use letters A–Z, digits, '_', '.' and '-'.");
    }
    Ok(())
}

/// 8–1024 characters (not bytes), no composition rules.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    // Counting stops early so a megabyte of input costs almost nothing.
    let len = password.chars().take(PASSWORD_MAX + 1).count();
    if len < PASSWORD_MIN {
        return Err("Password must be at least 8 characters.");
    }
    if len > PASSWORD_MAX {
        return Err("Password must be at most 1024 characters.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(check_username("bob").is_ok());
        assert!(check_username("Alice_1.x-y").is_ok());
        assert!(check_username(&"a".repeat(32)).is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username(&"a".repeat(33)).is_err());
        assert!(check_username("has space").is_err());
        assert!(check_username("émile").is_err());
        assert!(check_username("<script>").is_err());
        assert!(check_username("").is_err());
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert!(check_password("12345678").is_ok());
        assert!(check_password("1234567").is_err());
        // Eight characters, sixteen bytes.
        assert!(check_password("éééééééé").is_ok());
        assert!(check_password(&"é".repeat(1024)).is_ok());
        assert!(check_password(&"é".repeat(1025)).is_err());
        assert!(check_password(&"x".repeat(1_000_000)).is_err());
    }
}
