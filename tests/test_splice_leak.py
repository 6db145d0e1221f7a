"""Rule W: a reasoning block or a speaker label before the continuation is not the answer."""

from __future__ import annotations

import pytest

from splice.leak import MAX_REASONING
from splice.seam import SeamRepair

from .test_splice_seam import splice

PROSE = "Two sounds matter "
CODE = "Here:\n\n```python\ndef f():\n    x = 1\n"


@pytest.mark.parametrize(
    "block",
    [
        '<think>\nThe previous answer was cut off after "Two sounds matter". I should continue.\n</think>\n\n',
        "<think>\n\n</think>\n\n",
        '<thinking>\nThe user wants the rest. It ends with "matter".\n</thinking>\n\n',
        "<reasoning>Continue the sentence.</reasoning>\n",
        "<|channel|>analysis<|message|>Continue after matter.<|end|>",
        # Without its opener, as DeepSeek-R1's chat template leaves it.
        'Okay, the user wants me to continue my last message. It ends with "sounds matter".\n</think>\n\n',
        'The previous answer was cut off after "Two sounds matter". I should go on.\n</think>\n\n',
        "用户说之前的回答在“Two sounds matter”处被截断了。我需要接着写。\n</think>\n\n",
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_a_reasoning_block_before_the_continuation_goes(block: str, chunk: int | None) -> None:
    assert splice(PROSE, block + "most. Double consonants.", chunk=chunk) == PROSE + "most. Double consonants."


@pytest.mark.parametrize(
    "label",
    [
        "Assistant: ",
        "**Assistant:** ",
        "assistant\n\n",
        "<|im_start|>assistant\n",
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
        "<start_of_turn>model\n",
        "[/INST] ",
        "AI: ",
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_a_speaker_label_before_the_continuation_goes(label: str, chunk: int | None) -> None:
    assert splice(PROSE, label + "most. Double consonants.", chunk=chunk) == PROSE + "most. Double consonants."


def test_in_code_the_blocks_own_lines_go_and_the_codes_stay() -> None:
    rest = "    return x\n```\n"
    assert splice(CODE, "<think>\nThe answer stops inside a code block.\n</think>\n\n" + rest) == CODE + rest
    assert splice(CODE, "Assistant:\n" + rest) == CODE + rest


def test_a_transcripts_own_speaker_and_code_that_writes_the_tag_are_kept() -> None:
    transcript = "User: hi\nAssistant: hello, how can I help?\nUser: tell me more\n"
    assert splice(transcript, "Assistant: sure.") == transcript + "Assistant: sure."
    code = 'Split it:\n\n```python\nSTART = "<think>"\nparts = text.split('
    assert splice(code, '"</think>")\n```') == code + '"</think>")\n```'
    config = "```yaml\nai:\n  temperature: 0.2\n"
    assert splice(config, "ai: 0.5\n```") == config + "ai: 0.5\n```"


@pytest.mark.parametrize(
    "head",
    [
        "The user must log in first.",
        "Assistants are assigned per team.",
        "a model with more layers.",
        "I continued to the next village.",
        "<div>text</div>",
    ],
)
def test_answer_text_that_starts_like_one_is_kept(head: str) -> None:
    assert splice("Then ", head) == "Then " + head


def test_a_block_that_never_closes_is_released_whole() -> None:
    """Past the bound the head is passed through: the reader may see the reasoning but loses no text."""
    head = "<think>\n" + "I think about it. " * (MAX_REASONING // 18 + 10)
    seam = SeamRepair(PROSE)
    out = [seam.feed(head[i : i + 50]) for i in range(0, len(head), 50)]
    assert len("".join(out[: MAX_REASONING // 50 - 1])) == 0  # held while it may still close
    assert "".join(out) + seam.finish() == head


def test_a_block_still_open_at_the_end_is_emitted() -> None:
    head = "<think>\nThe previous answer was cut off and the stream ended."
    assert splice(PROSE, head) == PROSE + head


def test_a_plain_first_word_is_not_delayed() -> None:
    """A continuation that cannot start a block or a label is decided at its first word boundary, as before."""
    seam = SeamRepair("The cat sat on the ")
    assert seam.feed("mat") == "mat"
