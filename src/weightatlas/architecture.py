"""Architecture definitions shared by the curated facts table and the Hub crawler.

One rule decides whether a mixture-of-experts model is *fine-grained*, so the curated
``architecture_facts.csv`` and the features read from crawled ``config.json`` files
classify the same numbers the same way.

Rationale: DeepSeekMoE (Dai et al., arXiv 2401.06066) introduced *fine-grained expert
segmentation*: each conventional expert FFN is split into m smaller experts (the
intermediate width divided by m) and m times as many are routed, so a token combines
more, narrower specialists. Two observable consequences follow, and the rule asks for
both:

* **many routed experts**: at least :data:`FINE_GRAINED_MIN_ROUTED_EXPERTS` (32) per
  MoE layer. Coarse MoEs have 8-16 (Mixtral, DBRX, Grok-1, Phi-3.5-MoE, Jamba);
* **narrow experts**: each routed expert's FFN is narrower than
  :data:`FINE_GRAINED_MAX_EXPERT_WIDTH_RATIO` x the model width (``hidden_size``). A
  conventional dense FFN is 2.7-4x the model width; a segment of one is about the model
  width or less (DeepSeekMoE 16B 1408 at 2048, DeepSeek-V3 2048 at 7168, Qwen3-30B-A3B
  768 at 2048, gpt-oss 2880 at 2880), while full-width experts are 1.5x or more
  (MiniMax-Text-01 9216 at 6144, Llama 4 Maverick 8192 at 5120, DBRX 10752 at 6144,
  Mixtral 14336 at 4096). The ratio 1.25 sits between the two groups.

When the widths are unknown the count alone decides only for clearly segmented models:
at least :data:`FINE_GRAINED_MIN_EXPERTS_WITHOUT_WIDTHS` (64) routed experts is
fine-grained, fewer than 32 is not, and 32-63 stays unknown.
"""

from __future__ import annotations

#: A fine-grained MoE routes among at least this many experts per MoE layer.
FINE_GRAINED_MIN_ROUTED_EXPERTS = 32

#: ... and each routed expert is narrower than this multiple of the model width.
FINE_GRAINED_MAX_EXPERT_WIDTH_RATIO = 1.25

#: Without expert and model widths, this many routed experts alone means fine-grained.
FINE_GRAINED_MIN_EXPERTS_WITHOUT_WIDTHS = 64


def is_fine_grained_moe(
    moe: bool | None,
    routed_experts: int | None,
    expert_ffn_size: int | None = None,
    hidden_size: int | None = None,
) -> bool | None:
    """The shared fine-grained-MoE rule; ``None`` when the inputs cannot decide it.

    A dense model (``moe`` false) is not a fine-grained MoE. A MoE with an unknown
    expert count is unknown.
    """
    if moe is False:
        return False
    if routed_experts is None:
        return None
    if routed_experts < FINE_GRAINED_MIN_ROUTED_EXPERTS:
        return False
    if expert_ffn_size is not None and hidden_size is not None and hidden_size > 0:
        return expert_ffn_size < FINE_GRAINED_MAX_EXPERT_WIDTH_RATIO * hidden_size
    if routed_experts >= FINE_GRAINED_MIN_EXPERTS_WITHOUT_WIDTHS:
        return True
    return None
