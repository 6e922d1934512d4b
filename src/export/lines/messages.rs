//! `messages.jsonl`: one message a line, room by room in order of their ids, with its files.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Until, check_id};
use crate::files::MAX_FILES_PER_MESSAGE;
use crate::files::blobs::Digest;
use crate::files::names::{clean_name, is_inline, stored_type};
use crate::rooms::changes::{NAMES_MAX, REACTIONS_MAX};
use crate::rooms::input::{check_emoji, check_message_text};
use crate::store::{
    Everyone, FileRef, MessageRecord, PreviewRecord, Reaction, UploadRecord, UploadState,
};

/// A line of `messages.jsonl`: the messages of each room in order of their ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLine {
    pub room: u64,
    pub id: u64,
    /// Unix ms.
    pub ts: u64,
    pub author: u64,
    /// Empty for a deleted message (a tombstone).
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<u64>,
    /// The accounts its `@name`s call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<u64>,
    /// `here` or `room`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub everyone: Option<String>,
    /// With `@here`: the accounts it called.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub here: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionLine {
    pub emoji: String,
    pub users: Vec<u64>,
}

/// An attached file; its bytes are `files/SHA256` in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLine {
    pub id: u64,
    pub sha256: String,
    pub name: String,
    #[serde(rename = "type")]
    pub mime: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The picture the server made to show it in the page; its bytes are `files/SHA256` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewLine {
    pub sha256: String,
    #[serde(rename = "type")]
    pub mime: String,
    pub width: u32,
    pub height: u32,
}

impl MessageLine {
    /// A stored message and its files (with their stored upload records). `whole` (a server
    /// export) keeps whom `@here` called, which only the mention counts use.
    pub fn of(
        room_id: u64,
        id: u64,
        record: &MessageRecord,
        uploads: &[UploadRecord],
        whole: bool,
    ) -> Self {
        MessageLine {
            room: room_id,
            id,
            ts: record.ts,
            author: record.user_id,
            text: record.text.clone(),
            edited: record.edited,
            deleted: record.deleted,
            reply_to: record.reply_to,
            mentions: record.mentions.clone(),
            everyone: record.everyone.map(|e| e.as_str().to_owned()),
            here: if whole {
                record.here.clone()
            } else {
                Vec::new()
            },
            reactions: record
                .reactions
                .iter()
                .map(|r| ReactionLine {
                    emoji: r.emoji.clone(),
                    users: r.users.clone(),
                })
                .collect(),
            files: record
                .files
                .iter()
                .zip(uploads)
                .map(|(file, upload)| FileLine::of(file, upload))
                .collect(),
        }
    }

    /// Every account the message names: its author, whom it calls, who reacted.
    pub fn people(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(self.author)
            .chain(self.mentions.iter().copied())
            .chain(self.here.iter().copied())
            .chain(self.reactions.iter().flat_map(|r| r.users.iter().copied()))
    }

    /// The message record and the uploads of its files this line describes, checked.
    pub fn record(
        &self,
        until: Until,
    ) -> Result<(MessageRecord, Vec<(u64, UploadRecord)>), String> {
        check_id(self.room, "the room")?;
        check_id(self.id, "the message")?;
        until.check(self.ts, "its time")?;
        if let Some(edited) = self.edited {
            until.check(edited, "its edit")?;
            if edited < self.ts {
                return Err("it was edited before it was sent".into());
            }
        }
        if self.deleted {
            // What a deletion clears, as the server deletes.
            let bare = self.text.is_empty()
                && self.edited.is_none()
                && self.mentions.is_empty()
                && self.everyone.is_none()
                && self.here.is_empty()
                && self.reactions.is_empty()
                && self.files.is_empty();
            if !bare {
                return Err(
                    "a deleted message keeps no text, edit, mentions, reactions or files".into(),
                );
            }
        } else if self.files.is_empty() || !self.text.is_empty() {
            check_message_text(&self.text).map_err(|problem| problem.message().to_owned())?;
        }
        if self.reply_to.is_some_and(|to| to == 0 || to >= self.id) {
            return Err("it replies to a message that does not come before it".into());
        }
        let everyone = match self.everyone.as_deref() {
            None => None,
            Some("here") => Some(Everyone::Here),
            Some("room") => Some(Everyone::Room),
            Some(other) => return Err(format!("everyone {other:?} is not here or room")),
        };
        if !self.here.is_empty() && everyone != Some(Everyone::Here) {
            return Err("it lists whom @here called without calling @here".into());
        }
        if self.mentions.len() > NAMES_MAX || !distinct(&self.mentions) || !distinct(&self.here) {
            return Err(format!(
                "it calls someone twice, or more than {NAMES_MAX} people by name"
            ));
        }
        if self.reactions.len() > REACTIONS_MAX {
            return Err(format!("it has more than {REACTIONS_MAX} reactions"));
        }
        let mut emoji = HashSet::new();
        let mut reactions = Vec::with_capacity(self.reactions.len());
        for reaction in &self.reactions {
            check_emoji(&reaction.emoji)?;
            if !emoji.insert(reaction.emoji.as_str()) {
                return Err(format!("the reaction {} is there twice", reaction.emoji));
            }
            if reaction.users.is_empty() || !distinct(&reaction.users) {
                return Err(format!(
                    "the reaction {} is without anyone, or has someone twice",
                    reaction.emoji
                ));
            }
            reactions.push(Reaction {
                emoji: reaction.emoji.clone(),
                users: reaction.users.clone(),
            });
        }
        let ids: Vec<u64> = self.files.iter().map(|f| f.id).collect();
        if ids.len() > MAX_FILES_PER_MESSAGE || !distinct(&ids) {
            return Err(format!(
                "it has a file twice, or more than {MAX_FILES_PER_MESSAGE} files"
            ));
        }
        let mut files = Vec::with_capacity(self.files.len());
        let mut uploads = Vec::with_capacity(self.files.len());
        for file in &self.files {
            let upload = file.upload(self.author, self.room, self.ts)?;
            files.push(upload.file_ref(file.id));
            uploads.push((file.id, upload));
        }
        let record = MessageRecord {
            ts: self.ts,
            user_id: self.author,
            text: self.text.clone(),
            client_id: None,
            changed_seq: None,
            edited: self.edited,
            deleted: self.deleted,
            reply_to: self.reply_to,
            mentions: self.mentions.clone(),
            everyone,
            here: self.here.clone(),
            reactions,
            files,
        };
        Ok((record, uploads))
    }
}

/// Whether no id is there twice.
fn distinct(ids: &[u64]) -> bool {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().all(|id| seen.insert(*id))
}

impl FileLine {
    fn of(file: &FileRef, upload: &UploadRecord) -> FileLine {
        FileLine {
            id: file.id,
            sha256: Digest(upload.digest).hex(),
            name: file.name.clone(),
            mime: file.mime.clone(),
            size: file.size,
            width: file.pixels.map(|(w, _)| w),
            height: file.pixels.map(|(_, h)| h),
            preview: upload.preview.as_ref().map(|p| PreviewLine {
                sha256: Digest(p.digest).hex(),
                mime: p.mime.clone(),
                width: p.width,
                height: p.height,
            }),
        }
    }

    /// The stored files this line names: its bytes, and its preview's.
    pub fn digests(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.sha256.as_str()).chain(self.preview.iter().map(|p| p.sha256.as_str()))
    }

    /// The upload record of a sent file, checked: a name and type as the server would have
    /// stored them, so an import cannot make a file be served as a page.
    fn upload(&self, uploader: u64, room_id: u64, sent: u64) -> Result<UploadRecord, String> {
        let digest =
            Digest::from_hex(&self.sha256).ok_or("a file's sha256 is not 64 hex digits")?;
        check_id(self.id, "the file")?;
        if self.size == 0 {
            return Err("a file of no bytes".into());
        }
        if clean_name(&self.name) != self.name {
            return Err(format!(
                "the file name {:?} is not one confab keeps",
                self.name
            ));
        }
        let pixels = match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Some((w, h)),
            (None, None) => None,
            _ => return Err("a file has one of width and height".into()),
        };
        let served_as = if is_inline(&self.mime) && pixels.is_some() {
            self.mime.clone()
        } else {
            stored_type(Some(&self.mime), None)
        };
        if served_as != self.mime {
            return Err(format!(
                "the file type {:?} is not one confab serves",
                self.mime
            ));
        }
        let preview = match &self.preview {
            None => None,
            Some(p) => {
                let digest =
                    Digest::from_hex(&p.sha256).ok_or("a preview's sha256 is not 64 hex digits")?;
                if !matches!(p.mime.as_str(), "image/jpeg" | "image/png") || pixels.is_none() {
                    return Err("a preview is a JPEG or PNG of a picture".into());
                }
                Some(PreviewRecord {
                    digest: digest.0,
                    mime: p.mime.clone(),
                    width: p.width,
                    height: p.height,
                })
            }
        };
        Ok(UploadRecord {
            uploader,
            room_id,
            digest: digest.0,
            size: self.size,
            name: self.name.clone(),
            mime: self.mime.clone(),
            created: sent,
            pixels,
            preview,
            state: UploadState::Sent { message: 0 },
        })
    }
}
