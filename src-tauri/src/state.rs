//! What the app keeps between commands: the core, and the answers streaming right now.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sb_core::{CoreError, Switchboard};
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;

use crate::dto::{
    CommandError, HealthView, ModelGroupView, RouteChoice, SendPlan, StreamEvent, Turn,
};

/// Managed state. The core may have failed to open (damaged data, no data dir): then every
/// command reports that error instead of the app refusing to start without saying why.
pub struct AppState {
    core: Result<Switchboard, String>,
    in_flight: Arc<Mutex<HashMap<String, CancellationToken>>>,
}

impl AppState {
    pub fn new(core: Result<Switchboard, CoreError>) -> Self {
        Self {
            core: core.map_err(|e| e.to_string()),
            in_flight: Arc::default(),
        }
    }

    pub fn core(&self) -> Result<Switchboard, CommandError> {
        self.core.clone().map_err(|message| CommandError {
            code: "internal".into(),
            message,
        })
    }

    pub fn join_error(error: tokio::task::JoinError) -> CommandError {
        CommandError {
            code: "internal".into(),
            message: format!("A background task failed: {error}"),
        }
    }

    /// Spawns the turn; its events go to `channel`, and [`Self::stop_turn`] can cancel it.
    pub fn start_turn(
        &self,
        request: SendPlan,
        channel: Channel<StreamEvent>,
        app: tauri::AppHandle,
    ) -> Result<String, CommandError> {
        let core = self.core()?;
        let request_id = uuid_like();
        let cancel = CancellationToken::new();
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(request_id.clone(), cancel.clone());
        let in_flight = self.in_flight.clone();
        let id = request_id.clone();
        let started = std::time::Instant::now();
        tauri::async_runtime::spawn(async move {
            // A send fails only when the window is gone; then nobody is listening anyway.
            let _ = channel.send(StreamEvent::Started {
                request_id: id.clone(),
            });
            let accounts = core.accounts().clone();
            let label = move |id: &sb_core::AccountId| {
                accounts
                    .get(id)
                    .map(|a| a.label)
                    .unwrap_or_else(|_| "a removed account".to_owned())
            };
            let SendPlan {
                turn: mut request,
                notice,
                placement,
                question,
            } = request;
            // A stored exchange: the question goes into the history and the branch becomes
            // the context; the answer is recorded as it streams.
            let mut recorder = None;
            // A conversation this exchange starts gets a title from the model that answers.
            let mut new_conversation = None;
            if let Some(placement) = placement {
                match stored_turn(&core, placement, question.as_ref(), &mut request) {
                    Ok((placed, answer)) => {
                        if placed.created {
                            new_conversation = Some(placed.conversation.clone());
                        }
                        let _ = channel.send(StreamEvent::Stored {
                            conversation_id: placed.conversation.to_string(),
                            user_message_id: placed.question.as_ref().map(ToString::to_string),
                            answer_id: answer.id().to_string(),
                        });
                        recorder = Some(answer);
                    }
                    Err(error) => {
                        let _ = channel.send(StreamEvent::Error {
                            code: error.code().to_owned(),
                            message: error.to_string(),
                        });
                        in_flight
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .remove(&id);
                        return;
                    }
                }
            }
            let mut served = None;
            let mut sink = |event: sb_core::TurnEvent| {
                if let Some(recorder) = recorder.as_mut() {
                    recorder.observe(&event);
                }
                if let sb_core::TurnEvent::Route(record) = &event {
                    served.clone_from(&record.served_by);
                }
                let _ = channel.send(StreamEvent::from_turn(event, &label));
            };
            let outcome = match request {
                Turn::Pinned(request) => core.chat().run_turn(request, cancel, &mut sink).await,
                Turn::Routed(request) => core.chat().run_routed(request, cancel, &mut sink).await,
            };
            in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            if let Some(timing) = recorder.as_ref().and_then(|r| r.timing()) {
                let _ = channel.send(StreamEvent::Timing {
                    time_to_first_token_ms: timing.ttft_ms,
                    tokens_per_second: timing.tokens_per_second,
                });
            }
            let finished = matches!(outcome.end, Some(sb_core::TurnEvent::Finished(_)));
            if let (true, Some(notice)) = (finished, &notice) {
                crate::desktop::notify_answer_finished(
                    &app,
                    &notice.title,
                    &notice.body,
                    started.elapsed(),
                    true,
                );
            }
            if let (true, Some(conversation), Some(route), Some(question)) =
                (finished, new_conversation, served, question)
            {
                name_conversation(
                    &core,
                    &conversation,
                    &route,
                    &question.content,
                    &outcome.text,
                    &channel,
                )
                .await;
            }
        });
        Ok(request_id)
    }

    pub fn stop_turn(&self, request_id: &str) {
        let token = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(request_id)
            .cloned();
        if let Some(token) = token {
            token.cancel();
        }
    }
}

/// Asks the model that answered a new conversation's first question for its title, and tells
/// the window when it is stored. A failure only costs the title: the question's first words stay.
async fn name_conversation(
    core: &Switchboard,
    conversation: &sb_store::ConversationId,
    route: &sb_core::router::Route,
    question: &str,
    answer: &str,
    channel: &Channel<StreamEvent>,
) {
    if answer.trim().is_empty() {
        return;
    }
    let named = match core.history() {
        Ok(store) => {
            sb_core::title::generate_title(
                core.chat(),
                &store,
                conversation,
                route,
                question,
                answer,
            )
            .await
        }
        Err(error) => Err(error),
    };
    match named {
        Ok(Some(title)) => {
            let _ = channel.send(StreamEvent::Titled {
                conversation_id: conversation.to_string(),
                title,
            });
        }
        Ok(None) => {}
        Err(error) => {
            eprintln!("switchboard: a new conversation keeps its first words as title: {error}")
        }
    }
}

/// A unique request id (time plus a process-wide counter; no need for randomness here).
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("req-{nanos:x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Places a stored exchange in the history (storing the question), makes the stored branch the
/// turn's context, and starts recording the answer. Blocking SQLite calls: small and few.
fn stored_turn(
    core: &Switchboard,
    placement: sb_core::history::Placement,
    question: Option<&sb_core::Message>,
    request: &mut Turn,
) -> Result<(sb_core::history::Placed, sb_core::history::AnswerRecorder), CoreError> {
    let store = core.history()?;
    let question = question.filter(|_| !placement.regenerate);
    let mut placed = sb_core::history::place(&store, placement, question)?;
    let continues_stored_response = matches!(
        request,
        Turn::Pinned(sb_core::TurnRequest {
            previous_response_id: Some(_),
            ..
        })
    );
    // The branch moves into the request (it may hold images): nothing reads it from `placed`.
    let branch = std::mem::take(&mut placed.messages);
    *request.messages_mut() = if continues_stored_response {
        // The provider holds the conversation (Responses `previous_response_id`): only the
        // new message travels, as without the history.
        branch.into_iter().last().into_iter().collect()
    } else {
        branch
    };
    let (model, api) = request.model_and_api();
    let recorder = sb_core::history::AnswerRecorder::start(
        store,
        &placed.conversation,
        &placed.answer_parent,
        model,
        api,
    )?;
    Ok((placed, recorder))
}

/// The model picker's groups, each route with its account's label and health. Reads the keyring
/// (to know which accounts have keys): call it off the async workers.
pub fn model_groups(core: &Switchboard) -> Result<Vec<ModelGroupView>, CoreError> {
    let summaries = core.accounts().list()?;
    let groups = core.chat().model_groups();
    Ok(groups
        .into_iter()
        .map(|group| ModelGroupView {
            key: group.key,
            name: group.name,
            capabilities: group.capabilities.into(),
            routes: group
                .routes
                .into_iter()
                .filter_map(|(account_id, entry)| {
                    let summary = summaries.iter().find(|s| s.account.id == account_id)?;
                    // The protocol the router would use (a learned switch wins over the preset).
                    let api = core
                        .chat()
                        .router()
                        .protocol_for(&account_id, &entry.id, entry.api);
                    Some(RouteChoice {
                        account_id: account_id.to_string(),
                        account_label: summary.account.label.clone(),
                        model_id: entry.id,
                        api,
                        health: HealthView::from(&core.chat().health(summary)),
                    })
                })
                .collect(),
        })
        .collect())
}
