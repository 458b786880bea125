"""Architecture-feature extraction (hub-api.md §11-13, methods.md §7).

Config bodies are reproduced from public ``config.json`` files, keeping only the keys the
extractor reads (the URL is above each one); a few show a later serialisation of the same
model (``layer_types``, ``rope_parameters``), and those are marked as such.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weightatlas.errors import InputError
from weightatlas.hub import features as F
from weightatlas.architecture import (
    FINE_GRAINED_MAX_EXPERT_WIDTH_RATIO,
    FINE_GRAINED_MIN_EXPERTS_WITHOUT_WIDTHS,
    FINE_GRAINED_MIN_ROUTED_EXPERTS,
    is_fine_grained_moe,
)
from weightatlas.hub.features import (
    ArchFeatures,
    extract_features,
    features_from_gguf,
    load_gguf_architectures,
    load_key_table,
    load_model_type_defaults,
)

# https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json
DEEPSEEK_V3 = {
    "architectures": ["DeepseekV3ForCausalLM"],
    "first_k_dense_replace": 3,
    "hidden_size": 7168,
    "intermediate_size": 18432,
    "kv_lora_rank": 512,
    "max_position_embeddings": 163840,
    "model_type": "deepseek_v3",
    "moe_intermediate_size": 2048,
    "moe_layer_freq": 1,
    "n_routed_experts": 256,
    "n_shared_experts": 1,
    "num_attention_heads": 128,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 61,
    "num_key_value_heads": 128,
    "num_nextn_predict_layers": 1,
    "q_lora_rank": 1536,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "quantization_config": {
        "activation_scheme": "dynamic",
        "fmt": "e4m3",
        "quant_method": "fp8",
        "weight_block_size": [128, 128],
    },
    "rope_scaling": {
        "beta_fast": 32,
        "beta_slow": 1,
        "factor": 40,
        "mscale": 1.0,
        "mscale_all_dim": 1.0,
        "original_max_position_embeddings": 4096,
        "type": "yarn",
    },
    "rope_theta": 10000,
    "torch_dtype": "bfloat16",
    "v_head_dim": 128,
}

# https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/config.json
QWEN25_7B = {
    "architectures": ["Qwen2ForCausalLM"],
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "max_position_embeddings": 131072,
    "max_window_layers": 28,
    "model_type": "qwen2",
    "num_attention_heads": 28,
    "num_hidden_layers": 28,
    "num_key_value_heads": 4,
    "rope_theta": 1000000.0,
    "sliding_window": 131072,
    "torch_dtype": "bfloat16",
    "use_sliding_window": False,
}

# https://huggingface.co/Qwen/Qwen3-30B-A3B/blob/main/config.json
QWEN3_30B_A3B = {
    "architectures": ["Qwen3MoeForCausalLM"],
    "decoder_sparse_step": 1,
    "head_dim": 128,
    "hidden_size": 2048,
    "intermediate_size": 6144,
    "max_position_embeddings": 40960,
    "max_window_layers": 48,
    "mlp_only_layers": [],
    "model_type": "qwen3_moe",
    "moe_intermediate_size": 768,
    "num_attention_heads": 32,
    "num_experts": 128,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 48,
    "num_key_value_heads": 4,
    "rope_scaling": None,
    "rope_theta": 1000000.0,
    "sliding_window": None,
    "torch_dtype": "bfloat16",
    "use_sliding_window": False,
}

# https://huggingface.co/Qwen/Qwen3-Next-80B-A3B-Instruct/blob/main/config.json
# (raw file: full_attention_interval, no layer_types)
QWEN3_NEXT = {
    "architectures": ["Qwen3NextForCausalLM"],
    "full_attention_interval": 4,
    "head_dim": 256,
    "hidden_size": 2048,
    "intermediate_size": 5120,
    "linear_num_key_heads": 16,
    "linear_num_value_heads": 32,
    "max_position_embeddings": 262144,
    "model_type": "qwen3_next",
    "moe_intermediate_size": 512,
    "num_attention_heads": 16,
    "num_experts": 512,
    "num_experts_per_tok": 10,
    "num_hidden_layers": 48,
    "num_key_value_heads": 2,
    "partial_rotary_factor": 0.25,
    "rope_scaling": None,
    "rope_theta": 10000000,
    "shared_expert_intermediate_size": 512,
    "torch_dtype": "bfloat16",
}

# https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json
MIXTRAL_8X7B = {
    "architectures": ["MixtralForCausalLM"],
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "max_position_embeddings": 32768,
    "model_type": "mixtral",
    "num_attention_heads": 32,
    "num_experts_per_tok": 2,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "num_local_experts": 8,
    "rope_theta": 1000000.0,
    "sliding_window": None,
    "torch_dtype": "bfloat16",
}

# https://huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json
MISTRAL_7B_V01 = {
    "architectures": ["MistralForCausalLM"],
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "max_position_embeddings": 32768,
    "model_type": "mistral",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "rope_theta": 10000.0,
    "sliding_window": 4096,
    "torch_dtype": "bfloat16",
}

# https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json
LLAMA31_8B = {
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "max_position_embeddings": 131072,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "rope_scaling": {
        "factor": 8.0,
        "high_freq_factor": 4.0,
        "low_freq_factor": 1.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    "rope_theta": 500000.0,
    "torch_dtype": "bfloat16",
}

# https://huggingface.co/google/gemma-3-27b-it/blob/main/config.json
GEMMA3_27B = {
    "architectures": ["Gemma3ForConditionalGeneration"],
    "model_type": "gemma3",
    "text_config": {
        "head_dim": 128,
        "hidden_size": 5376,
        "intermediate_size": 21504,
        "model_type": "gemma3_text",
        "num_attention_heads": 32,
        "num_hidden_layers": 62,
        "num_key_value_heads": 16,
        "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
        "sliding_window": 1024,
        "sliding_window_pattern": 6,
    },
    "torch_dtype": "bfloat16",
    "vision_config": {"hidden_size": 1152, "model_type": "siglip_vision_model", "num_attention_heads": 16},
}

# https://huggingface.co/meta-llama/Llama-4-Scout-17B-16E/blob/main/config.json
LLAMA4_SCOUT = {
    "architectures": ["Llama4ForConditionalGeneration"],
    "model_type": "llama4",
    "text_config": {
        "attention_chunk_size": 8192,
        "head_dim": 128,
        "hidden_size": 5120,
        "interleave_moe_layer_step": 1,
        "intermediate_size": 8192,
        "intermediate_size_mlp": 16384,
        "max_position_embeddings": 10485760,
        "model_type": "llama4_text",
        "num_attention_heads": 40,
        "num_experts_per_tok": 1,
        "num_hidden_layers": 48,
        "num_key_value_heads": 8,
        "num_local_experts": 16,
        "rope_scaling": {
            "factor": 16.0,
            "high_freq_factor": 1.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3",
        },
        "rope_theta": 500000.0,
        "torch_dtype": "bfloat16",
        "use_qk_norm": True,
    },
    "vision_config": {"hidden_size": 1408, "num_attention_heads": 16},
}

# https://huggingface.co/openai/gpt-oss-20b/blob/main/config.json
GPT_OSS_20B = {
    "architectures": ["GptOssForCausalLM"],
    "experts_per_token": 4,
    "head_dim": 64,
    "hidden_size": 2880,
    "intermediate_size": 2880,
    "layer_types": ["sliding_attention", "full_attention"] * 12,
    "max_position_embeddings": 131072,
    "model_type": "gpt_oss",
    "num_attention_heads": 64,
    "num_hidden_layers": 24,
    "num_key_value_heads": 8,
    "num_local_experts": 32,
    "quantization_config": {"modules_to_not_convert": ["model.layers.*.self_attn"], "quant_method": "mxfp4"},
    "rope_scaling": {
        "beta_fast": 32.0,
        "beta_slow": 1.0,
        "factor": 32.0,
        "original_max_position_embeddings": 4096,
        "rope_type": "yarn",
        "truncate": False,
    },
    "rope_theta": 150000,
    "sliding_window": 128,
    "torch_dtype": "bfloat16",
}

# https://huggingface.co/databricks/dbrx-base/blob/main/config.json
DBRX = {
    "architectures": ["DbrxForCausalLM"],
    "attn_config": {"clip_qkv": 8, "kv_n_heads": 8, "model_type": "", "rope_theta": 500000},
    "d_model": 6144,
    "ffn_config": {
        "ffn_hidden_size": 10752,
        "model_type": "",
        "moe_jitter_eps": 0,
        "moe_loss_weight": 0.05,
        "moe_num_experts": 16,
        "moe_top_k": 4,
    },
    "max_seq_len": 32768,
    "model_type": "dbrx",
    "n_heads": 48,
    "n_layers": 40,
    "torch_dtype": "bfloat16",
}

# https://huggingface.co/tiiuae/falcon-7b/blob/main/config.json
FALCON_7B = {
    "alibi": False,
    "architectures": ["FalconForCausalLM"],
    "hidden_size": 4544,
    "model_type": "falcon",
    "multi_query": True,
    "new_decoder_architecture": False,
    "num_attention_heads": 71,
    "num_hidden_layers": 32,
    "parallel_attn": True,
    "torch_dtype": "bfloat16",
}

# https://huggingface.co/Qwen/Qwen2-VL-7B-Instruct/blob/main/config.json
QWEN2_VL_7B = {
    "architectures": ["Qwen2VLForConditionalGeneration"],
    "hidden_size": 3584,
    "max_position_embeddings": 32768,
    "max_window_layers": 28,
    "model_type": "qwen2_vl",
    "num_attention_heads": 28,
    "num_hidden_layers": 28,
    "num_key_value_heads": 4,
    "rope_scaling": {"mrope_section": [16, 24, 24], "type": "mrope"},
    "rope_theta": 1000000.0,
    "sliding_window": 32768,
    "torch_dtype": "bfloat16",
    "use_sliding_window": False,
    "vision_config": {"depth": 32, "embed_dim": 1280, "num_heads": 16},
}


def _copy(config: dict) -> dict:
    import copy

    return copy.deepcopy(config)


# ---------------------------------------------------------------------------------------
# Full configs


def test_deepseek_v3_mla_moe_mtp_yarn() -> None:
    f = extract_features(DEEPSEEK_V3)
    assert f.model_type == "deepseek_v3"
    assert f.architecture == "DeepseekV3ForCausalLM"
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts, f.moe_shared_experts) == (True, 256, 8, 1)
    assert f.fine_grained_moe is True
    # MLA wins over the kv == heads reading that would say MHA.
    assert (f.mla, f.attention, f.gqa_ratio) == (True, "MLA", None)
    assert (f.num_attention_heads, f.num_key_value_heads) == (128, 128)
    assert (f.mtp, f.mtp_layers) == (True, 1)
    assert (f.rope_scaling_type, f.rope_factor) == ("yarn", 40.0)
    assert (f.context_length, f.original_context_length) == (163840, 4096)
    assert f.quant_method == "fp8"
    assert f.dtype == "bfloat16"
    assert f.sliding_window is False and f.hybrid_attention is False
    assert f.qk_norm is False and f.provenance["qk_norm"] == "model_type_defaults"
    assert f.provenance["mla"] == "config.json"
    assert f.warnings == []


def test_qwen25_sliding_window_switched_off() -> None:
    f = extract_features(QWEN25_7B)
    assert (f.attention, f.num_attention_heads, f.num_key_value_heads, f.gqa_ratio) == ("GQA", 28, 4, 7.0)
    # sliding_window: 131072 is present, but use_sliding_window: false wins.
    assert f.sliding_window is False
    assert f.sliding_window_size is None
    assert (f.moe, f.fine_grained_moe, f.mla, f.mtp) == (False, False, False, False)
    assert f.rope_scaling_type == "default" and f.rope_factor is None
    assert f.context_length == 131072


def test_qwen_sliding_window_on_but_no_layer_slides() -> None:
    # Qwen: only layers with index >= max_window_layers slide.
    config = _copy(QWEN25_7B) | {"use_sliding_window": True, "sliding_window": 4096}
    assert extract_features(config).sliding_window is False
    config["max_window_layers"] = 20
    f = extract_features(config)
    assert (f.sliding_window, f.sliding_window_size, f.local_attention) == (True, 4096, "sliding")


def test_qwen3_moe_no_shared_expert_and_qk_norm_from_defaults() -> None:
    f = extract_features(QWEN3_30B_A3B)
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts) == (True, 128, 8)
    assert f.moe_shared_experts == 0
    assert f.fine_grained_moe is True
    assert (f.attention, f.gqa_ratio) == ("GQA", 8.0)
    assert f.qk_norm is True
    assert f.provenance["qk_norm"] == "model_type_defaults"
    assert f.sliding_window is False
    assert f.rope_scaling_type == "default"  # rope_scaling: null


def test_qwen3_next_hybrid_linear_attention() -> None:
    f = extract_features(QWEN3_NEXT)
    assert (f.hybrid_attention, f.hybrid_kind) == (True, "linear")
    assert f.provenance["hybrid_attention"] == "config.json"  # from full_attention_interval
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts, f.moe_shared_experts) == (True, 512, 10, 1)
    assert f.fine_grained_moe is True
    assert f.qk_norm is True
    # No MTP key in the file; the defaults table records the shipped MTP weights.
    assert f.mtp is True and f.provenance["mtp"] == "model_type_defaults" and f.mtp_layers is None


def test_qwen3_next_with_layer_types_schedule() -> None:
    # A later serialisation writes the schedule out.
    config = _copy(QWEN3_NEXT)
    del config["full_attention_interval"]
    config["layer_types"] = ["linear_attention"] * 3 + ["full_attention"]
    f = extract_features(config)
    assert (f.hybrid_attention, f.hybrid_kind, f.sliding_window) == (True, "linear", False)


def test_qwen3_next_hybrid_from_defaults_alone() -> None:
    config = _copy(QWEN3_NEXT)
    del config["full_attention_interval"]
    f = extract_features(config)
    assert (f.hybrid_attention, f.hybrid_kind) == (True, "linear")
    assert f.provenance["hybrid_attention"] == "model_type_defaults"
    assert f.provenance["hybrid_kind"] == "model_type_defaults"


def test_mixtral_coarse_moe() -> None:
    f = extract_features(MIXTRAL_8X7B)
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts, f.moe_shared_experts) == (True, 8, 2, 0)
    assert f.fine_grained_moe is False  # 8 full-width experts (14336 at hidden 4096)
    assert f.sliding_window is False  # sliding_window: null
    assert (f.attention, f.gqa_ratio) == ("GQA", 4.0)


def test_mistral_7b_v01_real_sliding_window() -> None:
    f = extract_features(MISTRAL_7B_V01)
    assert (f.sliding_window, f.sliding_window_size, f.local_attention) == (True, 4096, "sliding")
    assert f.provenance["sliding_window"] == "config.json"
    assert f.moe is False


def test_window_as_long_as_context_is_no_window() -> None:
    config = _copy(MISTRAL_7B_V01) | {"sliding_window": 32768}
    assert extract_features(config).sliding_window is False


def test_llama31_llama3_rope() -> None:
    f = extract_features(LLAMA31_8B)
    assert (f.rope_scaling_type, f.rope_factor) == ("llama3", 8.0)
    assert (f.context_length, f.original_context_length) == (131072, 8192)
    assert (f.attention, f.gqa_ratio) == ("GQA", 4.0)
    assert f.qk_norm is False


def test_rope_parameters_newer_name() -> None:
    # transformers 5.x writes the same block as rope_parameters, with rope_theta inside.
    config = _copy(LLAMA31_8B)
    block = config.pop("rope_scaling") | {"rope_theta": config.pop("rope_theta")}
    config["rope_parameters"] = block
    f = extract_features(config)
    assert (f.rope_scaling_type, f.rope_factor, f.original_context_length) == ("llama3", 8.0, 8192)


def test_gemma3_text_config_and_pattern() -> None:
    f = extract_features(GEMMA3_27B)
    assert f.model_type == "gemma3"
    assert f.architecture == "Gemma3ForConditionalGeneration"
    assert (f.sliding_window, f.sliding_window_size) == (True, 1024)
    assert f.provenance["sliding_window"] == "text_config"
    assert (f.attention, f.num_attention_heads, f.num_key_value_heads) == ("GQA", 32, 16)
    assert f.provenance["num_attention_heads"] == "text_config"
    assert (f.rope_scaling_type, f.rope_factor) == ("linear", 8.0)
    assert f.qk_norm is True and f.provenance["qk_norm"] == "model_type_defaults"
    assert f.moe is False
    assert f.dtype == "bfloat16" and f.provenance["dtype"] == "config.json"


def test_gemma3_layer_types_and_per_layer_rope_parameters() -> None:
    # Later serialisation: an explicit schedule and one RoPE block per layer type.
    config = _copy(GEMMA3_27B)
    text = config["text_config"]
    del text["sliding_window_pattern"], text["rope_scaling"]
    text["layer_types"] = (["sliding_attention"] * 5 + ["full_attention"]) * 10 + ["sliding_attention"] * 2
    text["rope_parameters"] = {
        "full_attention": {"factor": 8.0, "rope_theta": 1000000.0, "rope_type": "linear"},
        "sliding_attention": {"rope_theta": 10000.0, "rope_type": "default"},
    }
    f = extract_features(config)
    assert (f.sliding_window, f.sliding_window_size, f.local_attention) == (True, 1024, "sliding")
    assert (f.rope_scaling_type, f.rope_factor) == ("linear", 8.0)
    assert f.hybrid_attention is False


def test_llama4_scout_text_config_chunked_attention() -> None:
    f = extract_features(LLAMA4_SCOUT)
    assert f.model_type == "llama4"
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts) == (True, 16, 1)
    assert f.moe_shared_experts == 1 and f.provenance["moe_shared_experts"] == "model_type_defaults"
    assert f.fine_grained_moe is False  # 16 experts of 8192 at hidden 5120
    assert (f.sliding_window, f.local_attention, f.sliding_window_size) == (True, "chunked", 8192)
    assert (f.attention, f.gqa_ratio) == ("GQA", 5.0)
    assert f.qk_norm is True and f.provenance["qk_norm"] == "text_config"
    assert (f.rope_scaling_type, f.rope_factor, f.original_context_length) == ("llama3", 16.0, 8192)
    assert f.context_length == 10485760
    # Vision-tower heads are never read.
    assert f.provenance["num_attention_heads"] == "text_config"


def test_gpt_oss_alternating_sliding_and_raw_expert_keys() -> None:
    f = extract_features(GPT_OSS_20B)
    assert (f.sliding_window, f.sliding_window_size, f.local_attention) == (True, 128, "sliding")
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts, f.moe_shared_experts) == (True, 32, 4, 0)
    assert f.fine_grained_moe is True  # 32 experts of width 2880 == hidden size: a segment, not a full FFN
    assert f.quant_method == "mxfp4"
    assert (f.rope_scaling_type, f.rope_factor, f.original_context_length) == ("yarn", 32.0, 4096)
    assert f.hybrid_attention is False
    assert f.qk_norm is False


def test_gpt_oss_120b_is_fine_grained() -> None:
    config = _copy(GPT_OSS_20B) | {"num_local_experts": 128, "num_hidden_layers": 36}
    assert extract_features(config).fine_grained_moe is True


def test_many_full_width_experts_are_not_fine_grained() -> None:
    # Llama 4 Maverick's shape: 128 experts, but each 8192 wide at d_model 5120 (1.6x).
    config = _copy(QWEN3_30B_A3B) | {"num_experts": 128, "moe_intermediate_size": 8192, "hidden_size": 5120}
    assert extract_features(config).fine_grained_moe is False


def test_dbrx_nested_keys() -> None:
    f = extract_features(DBRX)
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts) == (True, 16, 4)
    assert f.moe_shared_experts == 0
    assert f.fine_grained_moe is False  # 10752 at d_model 6144
    assert (f.attention, f.num_attention_heads, f.num_key_value_heads, f.gqa_ratio) == ("GQA", 48, 8, 6.0)
    assert f.context_length == 32768
    assert f.rope_scaling_type == "default"  # attn_config.rope_theta, no scaling block
    assert f.sliding_window is False


def test_falcon_7b_legacy_multi_query() -> None:
    f = extract_features(FALCON_7B)
    assert (f.attention, f.num_key_value_heads, f.gqa_ratio) == ("MQA", 1, 71.0)
    # A re-saved copy carries num_kv_heads == heads; the old layout still means MQA.
    f = extract_features(_copy(FALCON_7B) | {"num_kv_heads": 71})
    assert f.attention == "MQA"


def test_falcon_40b_new_decoder_architecture() -> None:
    config = {
        "model_type": "falcon",
        "new_decoder_architecture": True,
        "num_attention_heads": 128,
        "num_kv_heads": 8,
        "multi_query": True,
    }
    f = extract_features(config)
    assert (f.attention, f.num_key_value_heads, f.gqa_ratio) == ("GQA", 8, 16.0)


def test_refinedweb_style_legacy_keys() -> None:
    f = extract_features({"model_type": "RefinedWebModel", "n_head": 71, "multi_query": True, "n_layer": 32})
    assert (f.attention, f.num_attention_heads) == ("MQA", 71)


def test_chatglm_groups() -> None:
    config = {"model_type": "chatglm", "num_attention_heads": 32, "multi_query_attention": True, "multi_query_group_num": 2, "seq_length": 8192}
    f = extract_features(config)
    assert (f.attention, f.num_key_value_heads, f.context_length) == ("GQA", 2, 8192)


def test_dense_config_with_null_expert_count() -> None:
    config = {"model_type": "llama", "num_attention_heads": 32, "num_key_value_heads": 32, "num_experts": None}
    f = extract_features(config)
    assert (f.moe, f.moe_routed_experts, f.fine_grained_moe) == (False, None, False)
    assert f.attention == "MHA" and f.gqa_ratio == 1.0
    for dense in ({"num_experts": 0}, {"num_local_experts": 1}):
        assert extract_features({"model_type": "x", "num_attention_heads": 8} | dense).moe is False


def test_mha_when_kv_key_absent() -> None:
    f = extract_features({"model_type": "gpt2", "n_head": 12, "n_embd": 768, "n_positions": 1024})
    assert (f.attention, f.gqa_ratio, f.context_length) == ("MHA", 1.0, 1024)
    assert f.rope_scaling_type is None  # no RoPE at all


def test_qwen2_vl_mrope_is_not_context_extension() -> None:
    f = extract_features(QWEN2_VL_7B)
    assert f.rope_scaling_type == "mrope"
    assert f.rope_factor is None and f.original_context_length is None
    assert f.sliding_window is False
    assert (f.attention, f.gqa_ratio) == ("GQA", 7.0)


def test_mrope_with_explicit_yarn_is_extension() -> None:
    config = _copy(QWEN2_VL_7B)
    config["rope_scaling"] = {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768, "mrope_section": [16, 24, 24]}
    f = extract_features(config)
    assert (f.rope_scaling_type, f.rope_factor) == ("yarn", 4.0)


def test_deepseek_v32_sparse_indexer() -> None:
    config = _copy(DEEPSEEK_V3) | {"model_type": "deepseek_v32", "index_topk": 2048, "index_n_heads": 64, "index_head_dim": 128}
    f = extract_features(config)
    assert (f.hybrid_attention, f.hybrid_kind, f.attention) == (True, "sparse", "MLA")


def test_ssm_hybrid_from_model_type() -> None:
    f = extract_features({"model_type": "jamba", "num_attention_heads": 32, "num_key_value_heads": 8, "num_experts": 16, "num_experts_per_tok": 2})
    assert (f.hybrid_attention, f.hybrid_kind) == (True, "ssm")
    assert f.moe is True


def test_layer_types_mamba_legacy_name() -> None:
    f = extract_features({"model_type": "x", "num_attention_heads": 8, "layer_types": ["mamba", "mamba", "attention"]})
    assert (f.hybrid_attention, f.hybrid_kind) == (True, "ssm")


def test_bitsandbytes_flag_without_method() -> None:
    f = extract_features({"model_type": "llama", "num_attention_heads": 8, "quantization_config": {"load_in_4bit": True}})
    assert f.quant_method == "bitsandbytes"


def test_newer_dtype_key() -> None:
    assert extract_features({"model_type": "llama", "num_attention_heads": 8, "dtype": "bfloat16"}).dtype == "bfloat16"


# ---------------------------------------------------------------------------------------
# API subset, GGUF


def test_api_config_subset_proves_nothing_by_absence() -> None:
    api = {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "quantization_config": {"bits": 4, "quant_method": "gptq"},
        "tokenizer_config": {"eos_token": "<|im_end|>"},
    }
    f = extract_features(api, origin="api_config")
    assert f.quant_method == "gptq" and f.provenance["quant_method"] == "api_config"
    assert f.model_type == "qwen2" and f.provenance["model_type"] == "api_config"
    assert (f.moe, f.mla, f.mtp, f.sliding_window, f.hybrid_attention, f.attention) == (None,) * 6
    assert f.qk_norm is False and f.provenance["qk_norm"] == "model_type_defaults"


def test_api_config_moe_type_from_defaults() -> None:
    f = extract_features({"model_type": "qwen3_moe", "architectures": ["Qwen3MoeForCausalLM"]}, origin="api_config")
    assert (f.moe, f.moe_routed_experts, f.fine_grained_moe) == (True, None, None)


def test_unknown_origin_rejected() -> None:
    with pytest.raises(ValueError):
        extract_features({}, origin="readme")


def test_gguf_summary() -> None:
    f = features_from_gguf({"architecture": "deepseek2", "context_length": 163840, "total": 671026419200})
    assert f.gguf_architecture == "deepseek2"
    assert f.model_type == "deepseek_v2" and f.provenance["model_type"] == "gguf"
    assert f.context_length == 163840 and f.provenance["context_length"] == "gguf"
    assert (f.mla, f.attention, f.moe) == (True, "MLA", True)
    assert f.provenance["mla"] == "model_type_defaults"
    assert f.moe_routed_experts is None and f.mtp is None and f.sliding_window is None


def test_gguf_unknown_and_malformed() -> None:
    f = features_from_gguf({"architecture": "not-an-arch", "context_length": "4k"})
    assert f.model_type is None and f.context_length is None
    assert len(f.warnings) == 2
    f = features_from_gguf({"architecture": "qwen3moe", "context_length": 40960})
    assert (f.model_type, f.moe, f.qk_norm) == ("qwen3_moe", True, True)
    assert features_from_gguf(["nope"]).warnings  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Malformed values


def test_malformed_values_are_ignored_with_warnings() -> None:
    config = {
        "model_type": "mixtral",
        "architectures": "MixtralForCausalLM",  # not a list
        "num_attention_heads": 32,
        "num_key_value_heads": -8,  # negative
        "num_local_experts": "8",  # string where a number belongs
        "num_experts": 8.0,  # integral float is fine
        "num_experts_per_tok": True,  # bool is not a count
        "sliding_window": "4096",
        "rope_scaling": "yarn",  # not an object
        "max_position_embeddings": 0,
        "quantization_config": ["gptq"],
        "text_config": "oops",
        "layer_types": ["full_attention", 3],
        "torch_dtype": 16,
    }
    f = extract_features(config)
    assert isinstance(f, ArchFeatures)
    assert (f.moe, f.moe_routed_experts, f.moe_active_experts) == (True, 8, None)
    assert f.num_key_value_heads is None and f.attention == "MHA"
    assert f.rope_scaling_type is None and f.context_length is None
    assert f.architecture is None and f.dtype is None
    assert f.sliding_window is False  # the bad window is ignored; nothing else says SWA
    text = "\n".join(f.warnings)
    for key in ("architectures", "num_key_value_heads", "num_local_experts", "num_experts_per_tok",
                "sliding_window", "rope_scaling", "max_position_embeddings", "quantization_config",
                "text_config", "layer_types", "torch_dtype"):
        assert key in text, key
    assert len(f.warnings) == len(set(f.warnings))  # each problem once


def test_kv_heads_not_dividing_heads_warns() -> None:
    f = extract_features({"model_type": "x", "num_attention_heads": 8, "num_key_value_heads": 16})
    assert f.attention is None and f.gqa_ratio is None
    assert any("do not divide" in w for w in f.warnings)


def test_non_object_config_does_not_crash() -> None:
    f = extract_features(["not", "a", "config"])  # type: ignore[arg-type]
    assert f.model_type is None and f.warnings


def test_non_finite_and_nested_garbage() -> None:
    f = extract_features({"model_type": "dbrx", "n_heads": 8, "ffn_config": 5, "rope_theta": float("nan")})
    # The bad ffn_config gives no expert count, so the dbrx default decides.
    assert f.moe is True and f.provenance["moe"] == "model_type_defaults"
    assert any("ffn_config" in w for w in f.warnings)
    assert any("rope_theta" in w for w in f.warnings)


# ---------------------------------------------------------------------------------------
# Tables


CURATED = Path(F.__file__).resolve().parent.parent / "data" / "curated"


def test_tables_load() -> None:
    table = load_key_table()
    assert {r.feature for r in table.rows} == set(F.SLOTS)
    assert [r.key for r in table.keys("moe_routed_experts")] == [
        "num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts", "ffn_config.moe_num_experts",
    ]
    defaults = load_model_type_defaults()
    assert defaults.get("qwen3_moe", "qk_norm").value is True
    assert load_gguf_architectures().mapping["deepseek2"] == "deepseek_v2"
    assert len(F.tables_digest()) == 16


@pytest.mark.parametrize("name", ["config_keys.csv", "model_type_defaults.csv", "gguf_architectures.csv"])
def test_every_row_has_http_source(name: str) -> None:
    with (CURATED / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        assert row["source_url"].startswith(("https://", "http://")), row


def test_extraction_reads_keys_from_the_table(tmp_path: Path) -> None:
    # Drop num_local_experts from the table: Mixtral's expert count is no longer found.
    text = (CURATED / "config_keys.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("moe_routed_experts,2,num_local_experts,")]
    path = tmp_path / "config_keys.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = load_key_table(path)
    f = extract_features(MIXTRAL_8X7B, keys=table)
    assert f.moe is True and f.provenance["moe"] == "model_type_defaults"
    assert f.moe_routed_experts is None


def _write_bad(tmp_path: Path, source: Path, row_index: int, column: str, value: str) -> Path:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    rows[row_index][header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path / source.name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("feature", "moe_experts_typo"),
        ("priority", "first"),
        ("key", "ffn_config..moe"),
        ("kind", "integer"),
        ("kind", "string"),  # a known kind, but not the slot's
        ("source_url", "huggingface.co/x"),
        ("note", ""),
    ],
)
def test_bad_key_table_row_names_line_and_field(tmp_path: Path, column: str, value: str) -> None:
    path = _write_bad(tmp_path, CURATED / "config_keys.csv", 7, column, value)
    with pytest.raises(InputError) as info:
        load_key_table(path)
    assert info.value.line == 8  # header is line 1
    assert info.value.field == column
    assert str(path) in str(info.value)


def test_duplicate_priority_and_missing_slot(tmp_path: Path) -> None:
    path = _write_bad(tmp_path, CURATED / "config_keys.csv", 7, "priority", "1")
    with pytest.raises(InputError) as info:
        load_key_table(path)
    assert (info.value.line, info.value.field) == (8, "priority")
    text = (CURATED / "config_keys.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("dtype,")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="dtype"):
        load_key_table(path)


@pytest.mark.parametrize(
    ("column", "value"),
    [("feature", "attention"), ("value", "maybe"), ("source_url", "ftp://x"), ("model_type", "")],
)
def test_bad_defaults_row(tmp_path: Path, column: str, value: str) -> None:
    path = _write_bad(tmp_path, CURATED / "model_type_defaults.csv", 1, column, value)
    with pytest.raises(InputError) as info:
        load_model_type_defaults(path)
    assert (info.value.line, info.value.field) == (2, column)


def test_defaults_hybrid_kind_needs_partner(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "model_type,feature,value,note,source_url\n"
        "foo,hybrid_kind,ssm,n,https://example.org\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_model_type_defaults(path)
    assert (info.value.line, info.value.field) == (2, "feature")


def test_bad_gguf_row(tmp_path: Path) -> None:
    path = _write_bad(tmp_path, CURATED / "gguf_architectures.csv", 3, "source_url", "llama-arch.cpp")
    with pytest.raises(InputError) as info:
        load_gguf_architectures(path)
    assert (info.value.line, info.value.field) == (4, "source_url")


def test_fine_grained_constants_are_stated() -> None:
    assert FINE_GRAINED_MIN_ROUTED_EXPERTS == 32
    assert FINE_GRAINED_MAX_EXPERT_WIDTH_RATIO == 1.25
    assert FINE_GRAINED_MIN_EXPERTS_WITHOUT_WIDTHS == 64
    assert "is_fine_grained_moe" in (F.__doc__ or "")


@pytest.mark.parametrize(
    ("name", "routed", "expert_width", "hidden", "expected"),
    [
        # Widths as in each model's config.json (the configs above) or its curated note.
        ("DeepSeekMoE 16B", 64, 1408, 2048, True),
        ("DeepSeek-V2 (widths unknown)", 160, None, None, True),
        ("DeepSeek-V3", 256, 2048, 7168, True),
        ("Qwen3-30B-A3B", 128, 768, 2048, True),
        ("gpt-oss-20b", 32, 2880, 2880, True),
        ("gpt-oss-120b", 128, 2880, 2880, True),
        ("Mixtral 8x7B", 8, 14336, 4096, False),
        ("DBRX", 16, 10752, 6144, False),
        ("Grok-1 (widths unknown)", 8, None, None, False),
        ("MiniMax-Text-01", 32, 9216, 6144, False),
        ("Llama 4 Maverick", 128, 8192, 5120, False),
        ("40 experts, widths unknown", 40, None, None, None),
    ],
)
def test_shared_fine_grained_rule(name: str, routed: int, expert_width: int | None, hidden: int | None, expected: bool | None) -> None:
    assert is_fine_grained_moe(True, routed, expert_width, hidden) is expected, name


def test_dense_is_not_fine_grained_and_unknown_count_is_unknown() -> None:
    assert is_fine_grained_moe(False, None) is False
    assert is_fine_grained_moe(True, None, 768, 2048) is None


@settings(max_examples=200, deadline=None)
@given(
    routed=st.integers(min_value=2, max_value=600),
    expert_width=st.one_of(st.none(), st.integers(min_value=64, max_value=40000)),
    hidden=st.integers(min_value=256, max_value=16384),
)
def test_crawler_and_curated_table_agree_on_fine_grained(routed: int, expert_width: int | None, hidden: int) -> None:
    """The same numbers give the same answer in a crawled config.json and in a curated row."""
    from weightatlas.curated import derive_fine_grained_moe

    config = {"model_type": "qwen3_moe", "hidden_size": hidden, "num_experts": routed, "num_experts_per_tok": 2}
    if expert_width is not None:
        config["moe_intermediate_size"] = expert_width
    crawled = extract_features(config).fine_grained_moe
    row = {"moe": True, "routed_experts": routed, "expert_ffn_size": expert_width, "hidden_size": hidden, "fine_grained_moe": None}
    assert derive_fine_grained_moe(row) == crawled == is_fine_grained_moe(True, routed, expert_width, hidden)
