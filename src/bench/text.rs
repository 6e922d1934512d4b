//! Text for the benchmark that reads like chat: words drawn by Zipf's law
//! (the n-th most common word is used about 1/n as often as the first, as in any natural
//! language) from a vocabulary of made-up, pronounceable words, the most common the shortest.
//! Deterministic: the same seed gives the same text.

use std::sync::OnceLock;

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fi", "go", "hu", "ja", "ke", "li",
    "mo", "nu", "pa", "re", "si", "to", "va", "we", "yo", "zu", "bri", "cha", "dro", "fle", "gra",
    "kri", "plo", "sta", "tre", "vin", "mar", "ten", "sol", "dun",
];

/// A small, fast random number generator (xorshift64*): good enough to pick words.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub struct Vocabulary {
    words: Vec<String>,
    /// Cumulative Zipf weights, for drawing by binary search.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// `size` distinct words, the most common first.
    pub fn new(size: usize) -> Vocabulary {
        let words: Vec<String> = (0..size).map(word).collect();
        let mut total = 0.0;
        let cumulative = (1..=size)
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    /// The vocabulary the sending scenarios' messages use.
    pub fn shared() -> &'static Vocabulary {
        static SHARED: OnceLock<Vocabulary> = OnceLock::new();
        SHARED.get_or_init(|| Vocabulary::new(5_000))
    }

    /// The word of this rank (0: the most common).
    pub fn word(&self, rank: usize) -> &str {
        &self.words[rank.min(self.words.len() - 1)]
    }

    /// A word drawn by its frequency.
    pub fn draw(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let at = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let rank = self.cumulative.partition_point(|&c| c < at);
        self.word(rank)
    }

    /// `count` words drawn by frequency, joined by spaces, the first capitalised.
    pub fn sentence(&self, rng: &mut Rng, count: usize) -> String {
        let mut text = String::with_capacity(count * 7);
        for i in 0..count {
            let word = self.draw(rng);
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    text.extend(first.to_uppercase());
                    text.push_str(chars.as_str());
                }
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text
    }
}

/// The word of this rank: its number written in syllables.
fn word(rank: usize) -> String {
    let base = SYLLABLES.len();
    let mut n = rank;
    let mut word = String::new();
    loop {
        word.push_str(SYLLABLES[n % base]);
        n /= base;
        if n == 0 {
            break;
        }
        n -= 1;
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_distinct_and_common_ones_short() {
        let vocabulary = Vocabulary::new(5_000);
        let mut words: Vec<&str> = (0..5_000).map(|rank| vocabulary.word(rank)).collect();
        assert!(words[0].len() <= 3 && words[4_999].len() >= 4);
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), 5_000);
    }

    #[test]
    fn draws_follow_the_ranks() {
        let vocabulary = Vocabulary::new(1_000);
        let mut rng = Rng::new(7);
        let mut counts = [0u32; 3];
        let mut rare = 0;
        for _ in 0..100_000 {
            let word = vocabulary.draw(&mut rng);
            match (0..3).find(|&rank| vocabulary.word(rank) == word) {
                Some(rank) => counts[rank] += 1,
                None if word == vocabulary.word(999) => rare += 1,
                None => {}
            }
        }
        assert!(counts[0] > counts[1] && counts[1] > counts[2], "{counts:?}");
        // The first word is about a thousand times as common as the thousandth.
        assert!(counts[0] > 100 * rare.max(1), "{counts:?} {rare}");
        let sentence = vocabulary.sentence(&mut Rng::new(1), 8);
        assert_eq!(sentence.split(' ').count(), 8);
        assert!(sentence.chars().next().unwrap().is_uppercase());
    }
}
