//! A new conversation's title from the model that answered: asked once, over the answering
//! route, cleaned up, and never over a title the user gave.

use sb_core::router::Route;
use sb_core::title::{generate_title, TITLE_REQUEST};
use sb_sim::{Script, SimConfig, Simulator};
use sb_store::{ConversationPatch, NewConversation};

use crate::{core_with_account, memory_store};

const KEY: &str = "sk-sim-titles-KEY";

#[tokio::test]
async fn the_answering_model_names_a_new_conversation_unless_the_user_did() {
    let sim = Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    sim.answer_prompt(
        TITLE_REQUEST,
        Script::reply("Title: **Packing for Kyoto.**\n\nMore"),
    );
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    let store = core.history().expect("history");
    let route = Route::new(account, "gpt-5.1", sb_core::Api::ChatCompletions);

    let generated = store
        .create_conversation(NewConversation::default())
        .expect("conversation");
    store
        .set_generated_title(&generated.id, "What should I pack")
        .expect("first words");
    let title = generate_title(
        core.chat(),
        &store,
        &generated.id,
        &route,
        "What should I pack for Kyoto in April?",
        "Layers, comfortable shoes and an umbrella.",
    )
    .await
    .expect("a title request");
    assert_eq!(title.as_deref(), Some("Packing for Kyoto"), "cleaned up");
    assert_eq!(
        store.conversation(&generated.id).expect("c").title,
        "Packing for Kyoto",
        "stored"
    );

    let request = sim.requests().pop().expect("the title request");
    assert_eq!(
        request.path, "/v1/chat/completions",
        "over the answering route's protocol"
    );
    assert_eq!(request.body["model"], "gpt-5.1");
    assert_eq!(request.body["stream"], false, "one small JSON answer");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "with the answering account's key"
    );
    let prompt = request.body["messages"][1]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(
        prompt.starts_with(TITLE_REQUEST)
            && prompt.contains("Kyoto in April")
            && prompt.contains("umbrella"),
        "the first exchange is what gets named: {prompt}"
    );

    let named = store
        .create_conversation(NewConversation::default())
        .expect("conversation");
    store
        .update_conversation(
            &named.id,
            ConversationPatch {
                title: Some("My trip".into()),
                ..ConversationPatch::default()
            },
        )
        .expect("the user names it");
    let title = generate_title(core.chat(), &store, &named.id, &route, "q", "a")
        .await
        .expect("a title request");
    assert_eq!(title, None, "the user's title stays");
    assert_eq!(store.conversation(&named.id).expect("c").title, "My trip");
    sim.shutdown().await;
}
