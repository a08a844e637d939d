//! Reading and writing objects through the trait: the same assertions on every store.

use futures::TryStreamExt;
use punchline_backends::store::{ObjectKey, ObjectMeta, StoreError};
use punchline_domain::{OrgId, PhotoId};

use crate::harness::{bounded, new_key, sample, TestStore};

pub async fn put_get_head_delete(t: TestStore) {
    let store = &t.store;
    let key = new_key();
    let body = sample(200_000);
    bounded(store.put(&key, body.clone(), "image/jpeg")).await.expect("put");

    let meta = bounded(store.head(&key)).await.expect("head");
    assert_eq!(meta, Some(ObjectMeta { len: 200_000, content_type: Some("image/jpeg".into()) }));
    let chunks: Vec<_> = bounded(async { store.get(&key).await?.try_collect().await }).await.expect("get");
    assert_eq!(chunks.concat(), body);
    assert_eq!(bounded(store.get_bytes(&key, 200_000)).await.expect("get_bytes"), body);

    bounded(store.delete(&key)).await.expect("delete");
    assert_eq!(bounded(store.head(&key)).await.expect("head after delete"), None);
    assert!(matches!(bounded(store.get(&key)).await, Err(StoreError::NotFound { .. })));
    bounded(store.delete(&key)).await.expect("deleting again succeeds");
}

pub async fn put_replaces_and_keys_do_not_collide(t: TestStore) {
    let store = &t.store;
    let (org, photo) = (OrgId::new(), PhotoId::new());
    let original = ObjectKey::original(org, photo);
    let variant = ObjectKey::variant(org, photo, 300);
    let other_org = ObjectKey::original(OrgId::new(), photo);
    bounded(store.put(&original, "first".into(), "image/png")).await.expect("put");
    bounded(store.put(&original, "second".into(), "image/heic")).await.expect("put again");
    bounded(store.put(&variant, "small".into(), "image/jpeg")).await.expect("put variant");

    assert_eq!(bounded(store.get_bytes(&original, 100)).await.expect("get"), "second");
    let meta = bounded(store.head(&original)).await.expect("head").expect("present");
    assert_eq!(meta.content_type.as_deref(), Some("image/heic"));
    assert_eq!(bounded(store.get_bytes(&variant, 100)).await.expect("get variant"), "small");
    assert_eq!(bounded(store.head(&other_org)).await.expect("head"), None);
}

pub async fn read_prefix_and_bounded_reads(t: TestStore) {
    let store = &t.store;
    let key = new_key();
    let body = sample(1000);
    bounded(store.put(&key, body.clone(), "image/jpeg")).await.expect("put");

    assert_eq!(bounded(store.read_prefix(&key, 16)).await.expect("prefix"), body.slice(..16));
    assert_eq!(bounded(store.read_prefix(&key, 5000)).await.expect("longer than the object"), body);
    assert!(bounded(store.read_prefix(&key, 0)).await.expect("nothing").is_empty());
    assert_eq!(bounded(store.get_bytes(&key, 1000)).await.expect("exactly the limit"), body);
    assert!(matches!(bounded(store.get_bytes(&key, 999)).await, Err(StoreError::TooLarge { limit: 999 })));

    let empty = new_key();
    bounded(store.put(&empty, bytes::Bytes::new(), "image/jpeg")).await.expect("put empty");
    assert!(bounded(store.read_prefix(&empty, 16)).await.expect("prefix of empty").is_empty());
    let meta = bounded(store.head(&empty)).await.expect("head").expect("present");
    assert_eq!(meta.len, 0);
}

pub async fn missing_objects_are_absent_not_errors_of_the_store(t: TestStore) {
    let store = &t.store;
    let key = new_key();
    assert_eq!(bounded(store.head(&key)).await.expect("head"), None);
    for result in
        [bounded(store.read_prefix(&key, 16)).await.err(), bounded(store.get_bytes(&key, 10)).await.err()]
    {
        let err = result.expect("an error");
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        assert!(!err.is_transient());
    }
    bounded(store.ping()).await.expect("the store is ready");
}
