"""The fake Hugging Face Hub (weightatlas.testing): wire format, pagination, faults, lineage.

The hand-made dataset uses real official base ids with illustrative numbers and dates,
and fictional ``fixture-<cc>-<k>`` namespaces for derivatives (hub-api.md §14).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError, RemoteEntryNotFoundError, RepositoryNotFoundError
from huggingface_hub.utils import parse_ratelimit_headers

from weightatlas.testing import (
    DEFAULT_LIST_FIELDS,
    EXPAND_PROPERTIES,
    FakeHub,
    FakeHubSpec,
    RateLimit,
    SyntheticHub,
    fixture_country,
    subprocess_hub,
    synthetic_model,
    synthetic_org_table,
)

LIST_EXPAND = ["author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes", "trendingScore",
               "tags", "pipeline_tag", "library_name", "gated", "sha", "config", "cardData", "safetensors", "gguf"]  # fmt: skip


# --------------------------------------------------------------------------- fixture data


def model(
    repo_id: str,
    created: str,
    *,
    downloads: int = 0,
    all_time: int | None = None,
    likes: int = 0,
    trending: int = 0,
    parents: tuple[str, ...] = (),
    relation: str = "finetune",
    library: str | None = "transformers",
    model_type: str | None = "qwen2",
    pipeline: str | None = "text-generation",
    gated: bool | str = False,
    gguf: bool = False,
    extra_tags: tuple[str, ...] = (),
    config: dict | None = None,
    oid: str | None = None,
) -> dict:
    """A wire-format record as the Hub returns it with full fields."""
    author = repo_id.split("/")[0]
    tags = [t for t in (library, "gguf" if gguf and library != "gguf" else None,
                        None if gguf else "safetensors", model_type, pipeline) if t]  # fmt: skip
    tags += list(extra_tags) + ["en"]
    tags += [f"base_model:{p}" for p in parents] + [f"base_model:{relation}:{p}" for p in parents]
    tags += ["license:apache-2.0", "endpoints_compatible", "region:us"]
    siblings = [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"}]
    if gguf:
        siblings.append({"rfilename": f"{repo_id.split('/')[1]}-Q4_K_M.gguf"})
    elif library == "peft":
        siblings += [{"rfilename": "adapter_config.json"}, {"rfilename": "adapter_model.safetensors"}]
    else:
        siblings += [{"rfilename": "config.json"}, {"rfilename": "model.safetensors"}]
    rec = {
        "_id": oid or ("66" + hashlib.sha1(repo_id.encode()).hexdigest()[:22]),
        "id": repo_id,
        "modelId": repo_id,
        "author": author,
        "sha": hashlib.sha1(f"sha:{repo_id}".encode()).hexdigest(),
        "createdAt": created,
        "lastModified": created,
        "private": False,
        "disabled": False,
        "gated": gated,
        "downloads": downloads,
        "likes": likes,
        "trendingScore": trending,
        "tags": tags,
        "cardData": {"license": "apache-2.0", **({"base_model": list(parents)} if parents else {})},
        "siblings": siblings,
    }
    if all_time is not None:
        rec["downloadsAllTime"] = all_time
    if pipeline:
        rec["pipeline_tag"] = pipeline
    if library:
        rec["library_name"] = library
    if config is not None:
        rec["config"] = config
    elif model_type and not gguf:
        rec["config"] = {"architectures": ["Qwen2ForCausalLM"], "model_type": model_type}
    if gguf:
        rec["gguf"] = {"total": 7615616512, "architecture": "qwen2", "context_length": 32768}
    else:
        rec["safetensors"] = {"parameters": {"BF16": 7615616512}, "total": 7615616512}
    return rec


QWEN = "Qwen/Qwen2.5-7B"
QWEN_I = "Qwen/Qwen2.5-7B-Instruct"
LLAMA = "meta-llama/Llama-3.1-8B"
DSV3 = "deepseek-ai/DeepSeek-V3"
MISTRAL = "mistralai/Mistral-7B-v0.1"
US_GGUF = "fixture-us-1/Qwen2.5-7B-Instruct-GGUF"
KR_FT = "fixture-kr-1/Qwen2.5-7B-Instruct-ko"
KR_GGUF = "fixture-kr-2/Qwen2.5-7B-Instruct-ko-GGUF"
FR_LORA = "fixture-fr-1/Llama-3.1-8B-lora"
DE_MERGE = "fixture-de-1/Mistral-Qwen-7B-merge"
CN_FT = "fixture-cn-1/Llama-3.1-8B-zh"
JP_DANGLING = "fixture-jp-1/glm-4-9b-ja"
IN_AWQ = "fixture-in-1/DeepSeek-V3-AWQ"
BR_FLOOR = "fixture-br-1/legacy-model"


def records() -> list[dict]:
    mt_llama = {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    return [
        model(QWEN, "2024-09-15T18:33:26.000Z", downloads=900_000, all_time=9_000_000, likes=250, trending=10),
        model(QWEN_I, "2024-09-16T11:55:40.000Z", downloads=1_500_000, all_time=20_000_000, likes=700,
              trending=30, parents=(QWEN,), extra_tags=("conversational",)),
        model(LLAMA, "2024-07-14T08:30:00.000Z", downloads=800_000, all_time=12_000_000, likes=1500, trending=8,
              gated="manual", model_type="llama", config=mt_llama),
        model(DSV3, "2024-12-25T12:00:00.000Z", downloads=400_000, all_time=3_000_000, likes=4000, trending=50,
              model_type="deepseek_v3",
              config={"architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3"}),
        model(MISTRAL, "2023-09-20T13:03:50.000Z", downloads=300_000, all_time=5_000_000, likes=3900, trending=2,
              model_type="mistral", config={"architectures": ["MistralForCausalLM"], "model_type": "mistral"}),
        model(US_GGUF, "2024-09-20T10:00:00.000Z", downloads=50_000, all_time=400_000, likes=40, parents=(QWEN_I,),
              relation="quantized", library="gguf", model_type=None, pipeline=None, gguf=True),
        model(KR_FT, "2025-03-04T09:12:33.000Z", downloads=1534, all_time=20_411, likes=12, parents=(QWEN_I,),
              extra_tags=("conversational", "ko")),
        model(KR_GGUF, "2025-03-10T09:00:00.000Z", downloads=800, all_time=3000, likes=3, parents=(KR_FT,),
              relation="quantized", library=None, model_type=None, pipeline=None, gguf=True),
        model(FR_LORA, "2024-10-01T07:00:00.000Z", downloads=150, all_time=900, likes=1, parents=(LLAMA,),
              relation="adapter", library="peft", model_type=None, pipeline=None,
              config={"peft": {"base_model_name_or_path": LLAMA, "task_type": "CAUSAL_LM"}}),
        model(DE_MERGE, "2025-01-05T16:00:00.000Z", downloads=75, all_time=500, parents=(MISTRAL, QWEN),
              relation="merge", extra_tags=("mergekit", "merge"), model_type="mistral"),
        model(CN_FT, "2024-11-11T11:11:11.000Z", downloads=4200, all_time=30_000, likes=30, parents=(LLAMA,),
              model_type="llama", config=mt_llama),
        model(JP_DANGLING, "2024-08-01T00:00:00.000Z", downloads=42, all_time=None, likes=0,
              parents=("THUDM/glm-4-9b",), model_type="glm"),
        model(IN_AWQ, "2025-01-02T00:00:00.000Z", downloads=2100, all_time=7000, likes=5, parents=(DSV3,),
              relation="quantized", model_type="deepseek_v3", extra_tags=("4-bit", "awq"),
              config={"architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3",
                      "quantization_config": {"bits": 4, "quant_method": "awq"}}),
        model(BR_FLOOR, "2022-03-02T23:29:04.000Z", downloads=7, all_time=10_000, likes=0, model_type="gpt2",
              config={"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}),
    ]  # fmt: skip


QWEN_CONFIG = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "num_attention_heads": 28,
               "num_key_value_heads": 4, "sliding_window": 131072, "use_sliding_window": False}  # fmt: skip


def make_hub(**kw) -> FakeHub:
    kw.setdefault("configs", {QWEN: QWEN_CONFIG})
    kw.setdefault("gguf_only", (US_GGUF, KR_GGUF))
    return FakeHub(records(), **kw)


@pytest.fixture
def client():
    with httpx2.Client(timeout=10) as c:
        yield c


def crawl(client: httpx2.Client, url: str, params=None) -> tuple[list[dict], list[httpx2.Response]]:
    responses = [client.get(url, params=params)]
    while True:
        r = responses[-1]
        assert r.status_code == 200, r.text
        nxt = r.links.get("next", {}).get("url")
        if not nxt:
            break
        responses.append(client.get(nxt))
    return [item for r in responses for item in r.json()], responses


# --------------------------------------------------------------------------- listing


def test_pagination_link_repeats_every_param(client):
    hub = make_hub(page_size=1000)
    params = [("filter", "region:us"), ("sort", "createdAt"), ("expand", "author"), ("expand", "createdAt"),
              ("limit", "4")]  # fmt: skip
    with hub.serve() as base:
        items, responses = crawl(client, f"{base}/api/models", params)
    assert len(responses) == 4  # 14 records, 4 per page
    assert [len(r.json()) for r in responses] == [4, 4, 4, 2]
    for r in responses[:-1]:
        nxt = r.links["next"]["url"]
        assert nxt.startswith(base + "/api/models?")
        pairs = parse_qsl(urlsplit(nxt).query)
        assert [p for p in pairs if p[0] != "cursor"] == params  # every original param, order kept
        assert [k for k, _ in pairs].count("cursor") == 1
        assert 'rel="next"' in r.headers["Link"]
        assert r.headers["Content-Type"].startswith("application/json")
    assert "Link" not in responses[-1].headers
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)) == len(records())
    created = [i["createdAt"] for i in items]
    assert created == sorted(created, reverse=True)
    assert all(set(i) == {"_id", "id", "author", "createdAt"} for i in items)
    assert hub.stats.pages == 4 and hub.stats.items == 14


def test_limit_is_capped_and_cursor_validated(client):
    hub = make_hub(page_size=5, max_page_size=6)
    with hub.serve() as base:
        assert len(client.get(f"{base}/api/models", params={"sort": "likes"}).json()) == 5
        assert len(client.get(f"{base}/api/models", params={"sort": "likes", "limit": 100}).json()) == 6
        assert client.get(f"{base}/api/models", params={"limit": "x"}).status_code == 400
        assert client.get(f"{base}/api/models", params={"cursor": "not-a-cursor!"}).status_code == 400
        r = client.get(f"{base}/api/models", params={"sort": "likes"})
        token = dict(parse_qsl(urlsplit(r.links["next"]["url"]).query))["cursor"]
        # A cursor is bound to its sort key.
        assert client.get(f"{base}/api/models", params={"sort": "downloads", "cursor": token}).status_code == 400


def test_projection_absent_is_not_zero(client):
    hub = make_hub()
    with hub.serve() as base:
        default = client.get(f"{base}/api/models", params={"sort": "createdAt"}).json()
        only_all_time = client.get(f"{base}/api/models", params={"expand": "downloadsAllTime"}).json()
        full = client.get(f"{base}/api/models", params={"full": "true"}).json()
    for item in default:
        assert set(item) <= set(DEFAULT_LIST_FIELDS)
        assert "downloadsAllTime" not in item and "author" not in item
    by_id = {i["id"]: i for i in only_all_time}
    assert all("downloads" not in i for i in only_all_time)  # not requested -> absent, not 0
    assert by_id[KR_FT] == {"_id": by_id[KR_FT]["_id"], "id": KR_FT, "downloadsAllTime": 20_411}
    assert set(by_id[JP_DANGLING]) == {"_id", "id"}  # the record has no downloadsAllTime: absent, not 0
    assert all({"sha", "siblings", "lastModified"} <= set(i) for i in full)


def test_unknown_expand_is_400(client):
    hub = make_hub()
    with hub.serve() as base:
        bad = client.get(f"{base}/api/models", params={"expand": ["author", "downloadz"]})
        brackets = client.get(f"{base}/api/models", params={"expand[]": ["author", "likes"]})
        mixed = client.get(f"{base}/api/models", params={"expand": "author", "full": "True"})
        single = client.get(f"{base}/api/models/{QWEN}", params={"expand": "nope"})
    assert bad.status_code == 400 and "downloadz" in bad.json()["error"]
    assert brackets.status_code == 200 and all(set(i) == {"_id", "id", "author", "likes"} for i in brackets.json())
    assert mixed.status_code == 400
    assert single.status_code == 400
    assert "baseModels" in EXPAND_PROPERTIES and len(EXPAND_PROPERTIES) == 31


def test_filters(client):
    hub = make_hub()
    with hub.serve() as base:

        def ids(**params) -> set[str]:
            r = client.get(f"{base}/api/models", params={"sort": "createdAt", **params})
            assert r.status_code == 200
            return {i["id"] for i in r.json()}

        assert ids(filter=f"base_model:{QWEN_I}") == {US_GGUF, KR_FT}
        assert ids(filter=f"base_model:quantized:{QWEN_I}") == {US_GGUF}
        assert ids(filter=f"base_model:finetune:{QWEN_I}") == {KR_FT}
        assert ids(filter=f"base_model:merge:{QWEN}") == {DE_MERGE}
        assert ids(filter=f"base_model:{QWEN}") == {QWEN_I, DE_MERGE}
        assert ids(filter=f"base_model:adapter:{LLAMA}") == {FR_LORA}
        assert ids(filter=["gguf", "base_model:quantized:" + KR_FT]) == {KR_GGUF}  # ANDed
        assert ids(filter=["gguf", "peft"]) == set()
        assert ids(author="fixture-kr-1") == {KR_FT}
        assert ids(author="fixture-KR-1") == set()  # exact
        assert ids(search="qwen2.5-7b-instruct") == {QWEN_I, US_GGUF, KR_FT, KR_GGUF}
        assert ids(pipeline_tag="text-generation", filter="llama") == {LLAMA, CN_FT}
        assert ids(gated="true") == {LLAMA}
        assert ids(filter="base_model:THUDM/glm-4-9b") == {JP_DANGLING}


@pytest.mark.parametrize("sort", ["createdAt", "lastModified", "downloads", "likes", "trendingScore", None])
def test_sort_orders(client, sort):
    hub = make_hub(page_size=3)
    params = {"expand": ["createdAt", "lastModified", "downloads", "likes", "trendingScore"]}
    if sort:
        params["sort"] = sort
    with hub.serve() as base:
        items, _ = crawl(client, f"{base}/api/models", params)
    key = sort or "trendingScore"  # the Hub's default
    values = [i[key] for i in items]
    assert values == sorted(values, reverse=True)
    # ties are broken by _id ascending (keyset on (key, _id))
    for a, b in zip(items, items[1:], strict=False):
        if a[key] == b[key]:
            assert a["_id"] < b["_id"]
    assert len(items) == len(records())


def test_bad_sort_and_direction(client):
    with make_hub().serve() as base:
        assert client.get(f"{base}/api/models", params={"sort": "created_at"}).status_code == 400
        assert client.get(f"{base}/api/models", params={"sort": "likes", "direction": "1"}).status_code == 400
        assert client.get(f"{base}/api/models", params={"sort": "likes", "direction": "-1"}).status_code == 200


def test_gzip(client):
    hub = make_hub(gzip=True)
    with hub.serve() as base:
        r = client.get(f"{base}/api/models", params={"sort": "createdAt"}, headers={"Accept-Encoding": "gzip"})
        raw = httpx2.get(f"{base}/api/models", params={"sort": "createdAt"}, headers={"Accept-Encoding": "identity"})
    assert r.headers["Content-Encoding"] == "gzip" and len(r.json()) == 14
    assert "Content-Encoding" not in raw.headers and len(raw.json()) == 14


# --------------------------------------------------------------------------- rate limits


def test_ratelimit_headers_always_sent(client):
    hub = make_hub()
    with hub.serve() as base:
        api = client.get(f"{base}/api/models")
        res = client.head(f"{base}/{QWEN}/resolve/main/config.json")
    info = parse_ratelimit_headers(api.headers)
    assert info.resource_type == "api" and info.remaining == info.limit - 1 and info.window_seconds == 300
    assert api.headers["RateLimit-Policy"] == '"fixed window";"api";q=1000000;w=300'
    assert parse_ratelimit_headers(res.headers).resource_type == "resolvers"


def test_ratelimit_fixed_window_gives_real_429(client):
    now = [1000.0]
    hub = make_hub(rate_limit=RateLimit(quota=3, window_seconds=60), clock=lambda: now[0])
    with hub.serve() as base:
        seen = [client.get(f"{base}/api/models", params={"limit": 1}) for _ in range(3)]
        assert [parse_ratelimit_headers(r.headers).remaining for r in seen] == [2, 1, 0]
        now[0] += 20
        over = client.get(f"{base}/api/models")
        assert over.status_code == 429
        assert over.headers["Retry-After"] == "40"
        assert over.headers["RateLimit"] == '"api";r=0;t=40'
        # the resolvers bucket has its own window
        assert client.head(f"{base}/{QWEN}/resolve/main/config.json").status_code == 200
        now[0] += 40  # the window resets
        again = client.get(f"{base}/api/models")
        assert again.status_code == 200 and again.headers["RateLimit"] == '"api";r=2;t=60'
    assert hub.stats.rate_limited == 1 and hub.stats.by_status[429] == 1


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("kind", ["429", "500", "503"])
def test_status_faults(client, kind):
    hub = make_hub()
    fault = hub.inject(kind, at_request=2)
    with hub.serve() as base:
        codes = [client.get(f"{base}/api/models").status_code for _ in range(3)]
    assert codes == [200, int(kind), 200]
    assert fault.fired == 1 and hub.stats.faults_fired[kind] == 1


def test_429_fault_headers(client):
    hub = make_hub()
    hub.inject("429", on_path="/api/models")
    hub.inject("429", on_path="/api/models", headers="ratelimit", retry_after=2)
    with hub.serve() as base:
        first = client.get(f"{base}/api/models")
        second = client.get(f"{base}/api/models")
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert first.headers["RateLimit"] == '"api";r=0;t=1'
    assert second.status_code == 429 and "Retry-After" not in second.headers
    assert parse_ratelimit_headers(second.headers).reset_in_seconds == 2
    assert hub.stats.rate_limited == 2


def test_drop_fault_closes_connection(client):
    hub = make_hub(page_size=5)
    hub.inject("drop", at_request=2)
    with hub.serve() as base:
        first = client.get(f"{base}/api/models", params={"sort": "createdAt"})
        nxt = first.links["next"]["url"]
        with pytest.raises(httpx2.TransportError):
            client.get(nxt)
        assert client.get(nxt).status_code == 200  # the retry of the same URL succeeds
    assert hub.stats.faults_fired["drop"] == 1


def test_truncated_fault(client):
    hub = make_hub(page_size=5)
    hub.inject("truncated", at_request=1)
    with hub.serve() as base:
        cut = client.get(f"{base}/api/models", params={"sort": "createdAt"})
        whole = client.get(f"{base}/api/models", params={"sort": "createdAt"})
    assert cut.status_code == 200
    assert int(cut.headers["Content-Length"]) == len(cut.content) == len(whole.content) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert len(whole.json()) == 5


def test_truncated_fault_with_gzip(client):
    hub = make_hub(page_size=5, gzip=True)
    hub.inject("truncated")
    with hub.serve() as base:
        cut = client.get(f"{base}/api/models", headers={"Accept-Encoding": "gzip"})
    assert cut.headers["Content-Encoding"] == "gzip"
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


def test_stale_cursor_fault(client):
    hub = make_hub(page_size=5)
    hub.inject("stale_cursor")  # the first request carrying a cursor
    with hub.serve() as base:
        first = client.get(f"{base}/api/models", params={"sort": "createdAt"})
        assert first.status_code == 200
        stale = client.get(first.links["next"]["url"])
        assert stale.status_code == 400 and "cursor" in stale.json()["error"].lower()
        # restart from the top, as the crawler does (hub-api.md §4)
        items, _ = crawl(client, f"{base}/api/models", {"sort": "createdAt"})
    assert len(items) == 14


def test_repeat_item_fault_needs_dedupe(client):
    hub = make_hub(page_size=5)
    hub.inject("repeat_item", at_request=2)
    with hub.serve() as base:
        items, responses = crawl(client, f"{base}/api/models", {"sort": "createdAt"})
    pages = [r.json() for r in responses]
    assert pages[1][0] == pages[0][-1]
    ids = [i["id"] for i in items]
    assert len(ids) == 15 and len(set(ids)) == 14  # one duplicate, nothing lost


def test_mutate_fault_skips_an_item_under_a_mutable_sort(client):
    hub = make_hub(page_size=4)
    hub.inject("mutate", at_request=2)
    with hub.serve() as base:
        items, _ = crawl(client, f"{base}/api/models", {"sort": "downloads", "expand": "downloads"})
        after = {i["id"]: i for i in crawl(client, f"{base}/api/models", {"sort": "downloads"})[0]}
    assert hub.stats.mutations == 1
    seen = {i["id"] for i in items}
    missing = set(after) - seen
    assert len(missing) == 1  # keyset pagination skipped the record whose downloads jumped
    (m,) = missing
    assert after[m]["downloads"] > items[3]["downloads"]


def test_mutate_fault_is_harmless_under_created_at(client):
    hub = make_hub(page_size=4)
    hub.inject("mutate", at_request=2, times=3)
    with hub.serve() as base:
        items, _ = crawl(client, f"{base}/api/models", {"sort": "createdAt"})
    assert hub.stats.mutations == 3
    assert len({i["id"] for i in items}) == len(items) == 14


def test_fault_on_path_glob(client):
    hub = make_hub()
    hub.inject("503", on_path="/*/resolve/*", times=2)
    with hub.serve() as base:
        assert client.get(f"{base}/api/models").status_code == 200
        url = f"{base}/{QWEN}/resolve/main/config.json"
        assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]
    assert hub.stats.resolver_hits[(QWEN, "main")] == 3


# --------------------------------------------------------------------------- single model


def test_model_info_with_lineage(client):
    hub = make_hub()
    with hub.serve() as base:
        kr = client.get(f"{base}/api/models/{KR_FT}").json()
        merge = client.get(f"{base}/api/models/{DE_MERGE}").json()
        qi = client.get(f"{base}/api/models/{QWEN_I}").json()
        dangling = client.get(f"{base}/api/models/{JP_DANGLING}").json()
        proj = client.get(f"{base}/api/models/{KR_FT}", params={"expand": ["baseModels", "downloadsAllTime"]}).json()
        sha = kr["sha"]
        at_sha = client.get(f"{base}/api/models/{KR_FT}/revision/{sha}")
        bad_rev = client.get(f"{base}/api/models/{KR_FT}/revision/deadbeef")
        missing = client.get(f"{base}/api/models/fixture-xx-1/nothing")
    qwen_i_oid = next(r["_id"] for r in records() if r["id"] == QWEN_I)
    assert kr["baseModels"] == {"relation": "finetune", "models": [{"_id": qwen_i_oid, "id": QWEN_I}]}
    assert kr["childrenModelCount"] == 1 and kr["downloadsAllTime"] == 20_411 and "siblings" in kr
    assert merge["baseModels"]["relation"] == "merge"
    assert [m["id"] for m in merge["baseModels"]["models"]] == [MISTRAL, QWEN]
    assert qi["childrenModelCount"] == 2
    assert "baseModels" not in dangling  # THUDM/glm-4-9b is not on the Hub
    assert set(proj) == {"_id", "id", "baseModels", "downloadsAllTime"}
    assert at_sha.status_code == 200
    assert bad_rev.status_code == 404 and bad_rev.headers["X-Error-Code"] == "RevisionNotFound"
    assert missing.status_code == 404 and missing.headers["X-Error-Code"] == "RepoNotFound"


def test_literal_base_models_wins(client):
    odd = model("fixture-gb-1/odd", "2025-05-05T00:00:00.000Z", parents=(QWEN,))
    odd["baseModels"] = [QWEN]  # a list of strings, as some fixtures have it
    hub = FakeHub([*records(), odd])
    with hub.serve() as base:
        assert client.get(f"{base}/api/models/fixture-gb-1/odd").json()["baseModels"] == [QWEN]


# --------------------------------------------------------------------------- resolve


def test_resolve_config_json(client):
    hub = make_hub()
    with hub.serve() as base:
        head = client.head(f"{base}/{QWEN}/resolve/main/config.json")
        get = client.get(f"{base}/{QWEN}/resolve/main/config.json")
        synth = client.get(f"{base}/{DSV3}/resolve/main/config.json")
        gated = client.get(f"{base}/{LLAMA}/resolve/main/config.json")
        gated_ok = client.get(f"{base}/{LLAMA}/resolve/main/config.json", headers={"Authorization": "Bearer hf_x"})
        gguf = client.head(f"{base}/{US_GGUF}/resolve/main/config.json")
        no_file = client.get(f"{base}/{KR_FT}/resolve/main/tokenizer.json")
        adapter = client.get(f"{base}/{FR_LORA}/resolve/main/adapter_config.json")
        sha = get.headers["X-Repo-Commit"]
        by_sha = client.get(f"{base}/{QWEN}/resolve/{sha}/config.json")
        bad_rev = client.get(f"{base}/{QWEN}/resolve/v9/config.json")
        unknown = client.get(f"{base}/fixture-xx-1/none/resolve/main/config.json")
    qwen_sha = next(r["sha"] for r in records() if r["id"] == QWEN)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == get.headers["ETag"] and head.headers["ETag"].startswith('"')
    assert head.headers["X-Repo-Commit"] == qwen_sha
    assert int(head.headers["Content-Length"]) == len(get.content)
    assert get.json() == QWEN_CONFIG
    assert synth.json()["model_type"] == "deepseek_v3" and synth.json()["kv_lora_rank"] == 512
    assert gated.status_code == 401 and gated.headers["X-Error-Code"] == "GatedRepo"
    assert gated_ok.status_code == 200
    assert gguf.status_code == 404 and gguf.headers["X-Error-Code"] == "EntryNotFound"
    assert no_file.status_code == 404 and no_file.headers["X-Error-Code"] == "EntryNotFound"
    assert adapter.json()["base_model_name_or_path"] == LLAMA
    assert by_sha.status_code == 200
    assert bad_rev.headers["X-Error-Code"] == "RevisionNotFound"
    assert unknown.headers["X-Error-Code"] == "RepoNotFound"
    hits = hub.stats.resolver_hits
    assert hits[(QWEN, "main")] == 2 and hits[(QWEN, sha)] == 1 and hits[(LLAMA, "main")] == 2
    assert hub.stats.by_path[f"/{QWEN}/resolve/main/config.json"] == 2


def test_gated_set_and_download_counting(client):
    hub = make_hub(gated={DSV3}, resolve_counts_download=True)
    with hub.serve() as base:
        assert client.get(f"{base}/{DSV3}/resolve/main/config.json").headers["X-Error-Code"] == "GatedRepo"
        before = client.get(f"{base}/api/models/{QWEN}").json()["downloads"]
        client.head(f"{base}/{QWEN}/resolve/main/config.json")
        client.get(f"{base}/{QWEN}/resolve/main/config.json")
        assert client.get(f"{base}/api/models/{QWEN}").json()["downloads"] == before + 2  # §9: HEAD counts too


# --------------------------------------------------------------------------- mutation hooks


def test_update_add_remove(client):
    hub = make_hub()
    with hub.serve() as base:
        old_sha = client.get(f"{base}/api/models/{QWEN}").json()["sha"]
        hub.update(QWEN, downloads=1, sha="a" * 40)
        hub.add(model("fixture-sg-1/new-model", "2026-10-01T00:00:00.000Z", parents=(QWEN,)))
        hub.remove(BR_FLOOR)
        items = client.get(f"{base}/api/models", params={"sort": "createdAt", "expand": "downloads"}).json()
        assert items[0]["id"] == "fixture-sg-1/new-model"
        assert {i["id"]: i for i in items}[QWEN]["downloads"] == 1
        assert BR_FLOOR not in {i["id"] for i in items}
        assert client.get(f"{base}/api/models/{BR_FLOOR}").status_code == 404
        assert client.get(f"{base}/api/models/{QWEN}").json()["childrenModelCount"] == 3
        # the old commit stays resolvable, like on the Hub
        assert client.get(f"{base}/{QWEN}/resolve/{old_sha}/config.json").status_code == 200
        assert client.get(f"{base}/{QWEN}/resolve/main/config.json").headers["X-Repo-Commit"] == "a" * 40


# --------------------------------------------------------------------------- wire compatibility


def test_huggingface_hub_client_against_fake(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    hub = make_hub(page_size=4)
    with hub.serve() as base:
        api = HfApi(endpoint=base, token=False)
        listed = list(api.list_models(sort="createdAt", expand=LIST_EXPAND))
        pages = hub.stats.pages
        info = api.model_info(KR_FT)
        projected = api.model_info(IN_AWQ, expand=["config", "downloadsAllTime"])
        with pytest.raises(RepositoryNotFoundError):
            api.model_info("fixture-xx-1/nothing")
        by_filter = [m.id for m in api.list_models(filter=f"base_model:quantized:{QWEN_I}", sort="downloads")]
        path = hf_hub_download(QWEN, "config.json", endpoint=base, cache_dir=tmp_path, token=False)
        hf_hub_download(QWEN, "config.json", endpoint=base, cache_dir=tmp_path, token=False)
        with pytest.raises(GatedRepoError):
            hf_hub_download(LLAMA, "config.json", endpoint=base, cache_dir=tmp_path, token=False)
        with pytest.raises(RemoteEntryNotFoundError):
            hf_hub_download(US_GGUF, "config.json", endpoint=base, cache_dir=tmp_path, token=False)
    assert pages == 4  # 14 models, 4 per page: the client followed every Link
    assert [m.id for m in listed] == [r["id"] for r in sorted(records(), key=lambda r: r["createdAt"], reverse=True)]
    kr = next(m for m in listed if m.id == KR_FT)
    assert kr.author == "fixture-kr-1" and kr.downloads == 1534 and kr.downloads_all_time == 20_411
    assert kr.created_at.isoformat() == "2025-03-04T09:12:33+00:00"
    assert f"base_model:finetune:{QWEN_I}" in kr.tags and kr.card_data.base_model == [QWEN_I]
    assert kr.safetensors.total == 7615616512 and kr.siblings is None
    gguf = next(m for m in listed if m.id == US_GGUF)
    assert gguf.gguf["architecture"] == "qwen2" and gguf.safetensors is None and gguf.pipeline_tag is None
    dangling = next(m for m in listed if m.id == JP_DANGLING)
    assert dangling.downloads_all_time is None  # absent stays None, not 0
    assert info.base_models["models"][0]["id"] == QWEN_I and info.children_model_count == 1
    assert projected.config["quantization_config"]["quant_method"] == "awq" and projected.downloads is None
    assert by_filter == [US_GGUF]
    assert json.loads(open(path).read()) == QWEN_CONFIG
    assert hub.stats.resolver_hits[(QWEN, "main")] >= 2


def test_huggingface_hub_retries_an_injected_429(monkeypatch):
    # Retry-After 0 keeps this fast; huggingface_hub sleeps t + 1 s on RateLimit r=0.
    hub = make_hub(page_size=5)
    hub.inject("429", at_request=2, headers="retry-after", retry_after=0)
    hub.inject("503", at_request=3)
    monkeypatch.setattr("time.sleep", lambda s: None)
    with hub.serve() as base:
        listed = list(HfApi(endpoint=base, token=False).list_models(sort="createdAt"))
    assert len(listed) == 14
    assert hub.stats.by_status[429] == 1 and hub.stats.by_status[503] == 1


# --------------------------------------------------------------------------- synthetic population


def test_synthetic_model_is_deterministic_and_well_formed():
    n, seed = 12_000, 7
    hub = SyntheticHub(n, seed)
    assert synthetic_model(123, n, seed) == synthetic_model(123, n, seed) == hub.record(123)
    assert synthetic_model(123, n, seed + 1) != synthetic_model(123, n, seed)
    recs = [hub.record(i) for i in range(n)]
    ids = [r["id"] for r in recs]
    assert len(set(ids)) == n and len({r["_id"] for r in recs}) == n
    created = [r["createdAt"] for r in recs]
    assert created == sorted(created, reverse=True) and len(set(created)) == n
    assert created[0].startswith("2026-10") and created[-1].startswith("2023-01-01")
    assert all(r["downloadsAllTime"] >= r["downloads"] >= 0 for r in recs)
    assert all(r["lastModified"] >= r["createdAt"] for r in recs)
    index = {rid: i for i, rid in enumerate(ids)}

    roots = [r for r in recs if not any(t.startswith("base_model:") for t in r["tags"])]
    official = [r for r in roots if fixture_country(r["author"]) and not r["author"].startswith("fixture-")]
    assert 0.015 < len(official) / n < 0.03  # ~2% roots by official namespaces
    refs = dangling = 0
    depth: dict[str, int] = {}
    family: Counter[str] = Counter()
    for i in range(n - 1, -1, -1):
        r = recs[i]
        plain = [t[11:] for t in r["tags"] if t.startswith("base_model:") and ":" not in t[11:].split("/")[0]]
        rel = [t for t in r["tags"] if t.startswith("base_model:") and ":" in t[11:].split("/")[0]]
        assert len(plain) == len(rel)  # both tags per parent
        for p in plain:
            refs += 1
            if p not in index:
                dangling += 1
            else:
                assert index[p] > i  # parents are older
        known = [p for p in plain if p in index]
        depth[r["id"]] = 1 + max((depth[p] for p in known), default=-1) if plain else 0
        if r.get("library_name") == "peft":
            assert r["config"]["peft"]["base_model_name_or_path"] == plain[0]
        if "merge" in r["tags"]:
            assert 2 <= len(plain) <= 3
        if r["id"].endswith("-GGUF"):
            assert "gguf" in r["tags"] and "gguf" in r and "config" not in r
        root = r["id"]
        while depth.get(root, 0) > 0:
            root = next(p for p in [t[11:] for t in recs[index[root]]["tags"] if t.startswith("base_model:")]
                        if p in index)  # fmt: skip
        family[root] += 1
    assert 0.005 < dangling / refs < 0.03  # a small share of dangling parents
    assert max(depth.values()) == 4
    sizes = sorted(family.values(), reverse=True)
    assert sizes[0] > 20 * sizes[len(sizes) // 2]  # heavy-tailed family sizes
    authors = Counter(r["author"] for r in recs)
    assert {"bartowski", "unsloth", "mlx-community", "lmstudio-community", "TheBloke"} <= set(authors)
    assert any(a.startswith("fixture-kr-") for a in authors) and any(a.startswith("fixture-cn-") for a in authors)
    assert any(t.startswith("base_model:") and t.split(":")[1] == "THUDM/glm-4-9b" or "THUDM/" in t
               for r in recs for t in r["tags"]) or dangling  # fmt: skip
    downloads = sorted(r["downloads"] for r in recs)
    assert downloads[-1] > 100 * max(1, downloads[n // 2])  # heavy tail
    table = {row["namespace"]: row["country"] for row in synthetic_org_table(n)}
    assert all(table.get(a, "?") != "?" for a in authors)  # every namespace is in the org table
    assert table["fixture-kr-1"] == "KR" and table["Qwen"] == "CN"


def test_synthetic_bad_records():
    n = 3000
    hub = SyntheticHub(n, 1, bad_fraction=0.02)
    recs = [hub.record(i) for i in range(n)]
    kinds = Counter(hub.plan.bad_kind(i) for i in range(n))
    m = kinds["future_created"]
    assert m == 12 and all(recs[i]["createdAt"].startswith("2099") for i in range(m))  # placed first
    assert not recs[m]["createdAt"].startswith("2099")
    assert any(isinstance(r, str) for r in recs)
    assert any(isinstance(r, dict) and "id" not in r for r in recs)
    assert any(isinstance(r, dict) and r["downloads"] < 0 for r in recs)
    assert any(isinstance(r, dict) and any(t.startswith("base_model:distill:") for t in r["tags"]) for r in recs)
    assert recs == [synthetic_model(i, n, 1, bad_fraction=0.02) for i in range(n)]
    hub_api = FakeHub(hub, page_size=1000)
    with hub_api.serve() as base, httpx2.Client() as c:
        items, _ = crawl(c, f"{base}/api/models", {"sort": "createdAt", "expand": ["createdAt", "downloads"]})
    assert len(items) == n and sum(isinstance(i, str) for i in items) == kinds["non_object"]


def _rss() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def test_synthetic_listing_streams_with_bounded_memory():
    n = 50_000
    hub = FakeHub(SyntheticHub(n, 3), page_size=1000)
    seen: set[str] = set()
    parents: list[str] = []
    last = "9999"
    base_rss = _rss()
    max_rss = 0
    with hub.serve() as base, httpx2.Client(timeout=30) as c:
        url = f"{base}/api/models?sort=createdAt&expand=createdAt&expand=tags"
        pages = 0
        while url:
            r = c.get(url)
            assert r.status_code == 200
            for item in r.json():
                assert item["createdAt"] < last
                last = item["createdAt"]
                seen.add(item["id"])
                parents += [t[11:] for t in item["tags"] if t.startswith("base_model:")
                            and ":" not in t[11:].split("/")[0]]  # fmt: skip
            pages += 1
            url = r.links.get("next", {}).get("url")
            max_rss = max(max_rss, _rss() or 0)
    assert pages == 50 and len(seen) == n
    if base_rss is not None:
        # 50,000 materialised records would take well over 150 MB; the server holds one
        # page at a time and this test keeps ~10 MB of ids and parents.
        assert max_rss - base_rss < 60e6, (max_rss - base_rss) / 1e6
    assert sum(p in seen for p in parents) / len(parents) > 0.97  # parents mostly exist
    assert hub.stats.pages == 50 and hub.stats.items == n


def test_synthetic_lookup_filters_and_resolve(client):
    syn = SyntheticHub(3000, 5)
    hub = FakeHub(syn, page_size=200)
    gguf_ids = [syn.model_id(i) for i in range(3000) if syn.model_id(i).endswith("-GGUF")]
    some_root = max((syn.model_id(i) for i in range(3000) if syn.model_id(i).startswith("Qwen/")),
                    key=syn.children_count)
    with hub.serve() as base:
        assert client.get(f"{base}/api/models/{gguf_ids[0]}").json()["id"] == gguf_ids[0]
        kids, _ = crawl(client, f"{base}/api/models", {"filter": f"base_model:{some_root}", "sort": "downloads"})
        info = client.get(f"{base}/api/models/{some_root}").json()
        cfg = client.get(f"{base}/{some_root}/resolve/main/config.json")
        gg = client.get(f"{base}/{gguf_ids[0]}/resolve/main/config.json")
    assert info["childrenModelCount"] == len(kids) > 0
    assert cfg.status_code == 200 and cfg.json()["model_type"] == info["config"]["model_type"]
    assert gg.headers["X-Error-Code"] == "EntryNotFound"


def test_subprocess_server():
    spec = FakeHubSpec(n=2000, seed=2, page_size=500, gzip=True, faults=(("503", {"at_request": 2}),))
    with subprocess_hub(spec) as base, httpx2.Client(timeout=30) as c:
        first = c.get(f"{base}/api/models", params={"sort": "createdAt"})
        nxt = first.links["next"]["url"]
        assert c.get(nxt).status_code == 503
        items, _ = crawl(c, nxt)
        stats = c.get(f"{base}/_fakehub/stats").json()
    assert first.headers["Content-Encoding"] == "gzip"
    assert len(first.json()) + len(items) == 2000
    assert stats["pages"] == 4 and stats["by_status"]["503"] == 1


def test_page_cache(tmp_path, client):
    syn = SyntheticHub(1500, 4)
    first = FakeHub(syn, page_size=500, page_cache_dir=tmp_path)
    with first.serve() as base:
        a, _ = crawl(client, f"{base}/api/models", {"sort": "createdAt", "expand": ["author", "tags"]})
    assert len(list(tmp_path.glob("*.page"))) == 3
    second = FakeHub(SyntheticHub(1500, 4), page_size=500, page_cache_dir=tmp_path, gzip=True)
    with second.serve() as base:
        b, _ = crawl(client, f"{base}/api/models", {"sort": "createdAt", "expand": ["author", "tags"]})
    assert a == b
    blob = next(tmp_path.glob("*.page")).read_bytes()
    assert json.loads(gzip.decompress(blob.partition(b"\n")[2]))
