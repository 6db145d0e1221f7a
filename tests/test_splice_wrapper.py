"""Wrappers: a code block opened around the whole continuation, a template's end-of-turn token at its end."""

from __future__ import annotations

import time

import pytest

from splice.context import analyse_tail
from splice.wrapper import PENDING, Closer, CloserHold, match_fence_wrap, match_tag_wrap

from .test_splice_seam import splice

PROSE = "The compiler "
REST = "flags every non-exhaustive match.\n\nIt also warns about unused bindings."


@pytest.mark.parametrize("info", ["markdown", "md", "text", ""])
@pytest.mark.parametrize("chunk", [None, 1, 3, 200])
def test_fence_wrap_outside_code_goes_at_both_ends(info: str, chunk: int | None) -> None:
    head = f"```{info}\n{REST}\n```"
    assert splice(PROSE, head, chunk=chunk, mode="instruct") == PROSE + REST


@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_four_backtick_wrapper_keeps_the_answers_own_block(chunk: int | None) -> None:
    rest = "runs this:\n\n```sh\nmake test\n```\n\nand then stops."
    head = f"````md\n{rest}\n````"
    assert splice("It ", head, chunk=chunk, mode="instruct") == "It " + rest


@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_a_fence_inside_the_text_is_released(chunk: int | None) -> None:
    rest = "goes on:\n```\ncode\n```\nand ends here."
    head = f"````text\n{rest}\n````"
    assert splice("It ", head, chunk=chunk, mode="instruct") == "It " + rest


@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_wrapper_without_its_closer_keeps_the_end(chunk: int | None) -> None:
    assert splice(PROSE, f"```md\n{REST}\n", chunk=chunk, mode="instruct") == PROSE + REST + "\n"


@pytest.mark.parametrize(
    "sent",
    [
        "Here is the code:\n\n",  # the text announces a block of its own
        "Run it:\n\n",
        "```\nfirst\n```\n\n",  # a block just closed: the answer may open another
    ],
)
def test_the_answers_own_block_is_kept(sent: str) -> None:
    head = "```text\noutput line\n```\n"
    assert splice(sent, head, chunk=1, mode="instruct") == sent + head


def test_in_code_a_fence_is_the_blocks() -> None:
    sent = "Inside:\n\n```python\nx = 1\n"
    assert match_fence_wrap("```text\nx\n", sent, analyse_tail(sent, sent), final=False) == (0, None)


def test_prefill_mode_is_never_a_wrapper() -> None:
    head = f"```md\n{REST}\n```"
    assert splice(PROSE, head, chunk=2, mode="prefill") == PROSE + head


def test_opening_fence_waits_for_its_line() -> None:
    ctx = analyse_tail(PROSE, PROSE)
    assert match_fence_wrap("``", PROSE, ctx, final=False) == (PENDING, None)
    assert match_fence_wrap("```mark", PROSE, ctx, final=False) == (PENDING, None)
    assert match_fence_wrap("```python\n", PROSE, ctx, final=False) == (0, None)
    assert match_fence_wrap("```md\nx", PROSE, ctx, final=False) == (6, Closer(fence="```"))


TOKENS = ["<|im_end|>", "<|eot_id|>", "<end_of_turn>", "</s>", "<｜end▁of▁sentence｜>", "<|end|>"]
HEADERS = ["<|im_start|>assistant\n", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<start_of_turn>model\n"]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_template_end_of_turn_token_goes(token: str, header: str, chunk: int | None) -> None:
    assert splice(PROSE, header + REST + token, chunk=chunk, mode="instruct") == PROSE + REST


@pytest.mark.parametrize("chunk", [None, 1])
def test_a_token_in_mid_text_or_a_tag_is_kept(chunk: int | None) -> None:
    rest = "writes <div> and </span> and a </s> in the middle, then ends <"
    assert splice(PROSE, "<|im_start|>assistant\n" + rest, chunk=chunk, mode="instruct") == PROSE + rest


def test_an_answer_about_templates_keeps_its_tokens() -> None:
    sent = "ChatML ends each turn with <|im_end|>. The next turn "
    head = "<|im_start|>assistant\nstarts again.<|im_end|>"
    assert splice(sent, head, chunk=3, mode="instruct") == sent + "starts again.<|im_end|>"


def test_without_a_template_header_nothing_is_held() -> None:
    seam_text = splice(PROSE, "ends here.</s>", chunk=2, mode="instruct")
    assert seam_text == PROSE + "ends here.</s>"


def test_hold_releases_what_cannot_be_the_closer() -> None:
    hold = CloserHold(Closer(fence="```"))
    assert hold.feed("a\nb\n") == "a\nb"
    assert hold.feed("``") == ""
    assert hold.feed("`x") == "\n```x"
    assert hold.finish() == ""
    tokens = CloserHold(Closer(tokens=tuple(TOKENS)))
    assert tokens.feed("a <|im") == "a "
    assert tokens.feed("_end|>") == ""
    assert tokens.finish() == ""


@pytest.mark.parametrize("char", ["`", "~", "<", "\n", " ", "\t", "a", "|"])
def test_hostile_heads_are_fast(char: str) -> None:
    head = char * 10_000
    started = time.perf_counter()
    ctx = analyse_tail(PROSE, PROSE)
    match_fence_wrap(head, PROSE, ctx, final=False)
    match_fence_wrap(head + "\n", PROSE, ctx, final=True)
    for fence in ("```", "~~~"):  # a fence line's blanks, on a line that does not end as an opening
        match_fence_wrap(fence + head + "!", PROSE, ctx, final=False)
        match_fence_wrap(fence + head + "x\n", PROSE, ctx, final=False)
    for closer in (Closer(fence="```"), Closer(tokens=tuple(TOKENS))):
        hold = CloserHold(closer)
        hold.feed(head)
        hold.finish()
        hold = CloserHold(closer)
        for i in range(0, len(head), 7):
            hold.feed(head[i : i + 7])
        hold.finish()
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


LONG = "flags every non-exhaustive match, and it also warns about unused bindings.\n\nThe end of the answer."


@pytest.mark.parametrize("tag", ["continuation", "answer", "out_text", "Reply-2"])
@pytest.mark.parametrize("layout", ["{o}{r}{c}", "{o}\n{r}\n{c}", "\n{o}\n{r}\n{c}\n"])
@pytest.mark.parametrize("chunk", [None, 1, 4, 500])
def test_tag_wrapper_goes_at_both_ends(tag: str, layout: str, chunk: int | None) -> None:
    head = layout.format(o=f"<{tag}>", r=LONG, c=f"</{tag}>")
    assert splice(PROSE, head, chunk=chunk, mode="instruct").rstrip("\n") == PROSE + LONG


def test_short_tag_wrapper_closed_at_the_end_goes() -> None:
    assert splice(PROSE, "<answer>flags it.</answer>", chunk=2, mode="instruct") == PROSE + "flags it."


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # An element of the answer's markup: it closes soon and the text goes on.
        ("Press ", "<kbd>Ctrl</kbd> and C to copy the selection, then paste it where you like."),
        # The text uses the name as a word: a placeholder.
        ("Check out the branch you want, then run git switch ", "<branch> to move to it" + "." * 80),
        # Markup where it stops: an XML answer.
        ("<project>\n  <dependencies>\n    <dependency>\n      ", "<groupId>org.junit</groupId>\n" + "x" * 90),
        # In code, inside a line: a filehandle, an include, a type parameter.
        ("```perl\nwhile (my $line = ", "<STDIN>) {\n    chomp $line;\n" + "    print $line;\n" * 8),
        ("```cpp\n#include <concepts>\n#include ", "<vector>\n\nint main() {\n" + "    return 0;\n" * 8),
        ("```kotlin\nsuspend fun", " <T> retrying(times: Int = 3): T {\n" + "    body()\n" * 9),
        # A tag that never closes and stays short: nothing tells it is a wrapper.
        (PROSE, "<br>"),
    ],
)
def test_a_tag_of_the_text_is_kept(sent: str, head: str) -> None:
    assert splice(sent, head, chunk=3, mode="instruct") == sent + head


def test_inside_an_open_tag_a_tag_is_the_fallbacks() -> None:
    sent = '<form action="/subscribe" method="post" '
    rest = 'class="newsletter">\n  <label for="email">Email</label>\n</form>\n' + "Then style it." * 6
    assert splice(sent, f"<answer>{rest}</answer>", chunk=3, mode="instruct") == sent + rest


def test_tag_wrapper_in_code_at_a_line_start_goes() -> None:
    sent = "```python\ndef f(x):\n"
    rest = "    return x * 2\n\n\nprint(f(21))\n```\n\nThis prints 42, the answer to everything in the guide."
    assert splice(sent, f"<response>\n{rest}\n</response>", chunk=5, mode="instruct") == sent + rest + "\n"


def test_prefill_mode_is_never_a_tag_wrapper() -> None:
    head = f"<answer>{LONG}</answer>"
    assert splice(PROSE, head, chunk=3, mode="prefill") == PROSE + head


def test_tag_opener_waits_for_the_run() -> None:
    ctx = analyse_tail(PROSE, PROSE)
    assert match_tag_wrap("<ans", PROSE, ctx, final=False) == (PENDING, None)
    assert match_tag_wrap("<answer>short", PROSE, ctx, final=False) == (PENDING, None)
    assert match_tag_wrap("<answer>short</answer> and more", PROSE, ctx, final=False) == (0, None)
    n, closer = match_tag_wrap("<answer>\n" + LONG, PROSE, ctx, final=False)
    assert (n, closer) == (9, Closer(tokens=("</answer>",)))
    assert match_tag_wrap("< answer>", PROSE, ctx, final=False) == (0, None)


@pytest.mark.parametrize("char", ["<", ">", "\n", " ", "a", "/"])
def test_hostile_tag_heads_are_fast(char: str) -> None:
    head = char * 10_000
    started = time.perf_counter()
    ctx = analyse_tail(PROSE, PROSE)
    for prefix in ("", "<", "<answer>", "<answer>\n"):
        match_tag_wrap(prefix + head, PROSE, ctx, final=False)
        match_tag_wrap(prefix + head, PROSE, ctx, final=True)
    hold = CloserHold(Closer(tokens=("</answer>",)))
    for i in range(0, len(head), 10):
        hold.feed(head[i : i + 10])
    hold.finish()
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


CODE_REST = (
    "https://github.com/example/relay.git\ncd relay\nmake install\n```\n\nThen run it once to create its config."
)


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        ("```bash\ngit clone ", CODE_REST),  # after a space, before a letter
        ("```cmake\n  URL https://github.com/google/googl", "etest/archive/v1.14.0.zip\n  )\n" + "x" * 80),  # in a word
        ("```toml\n[server]\nhost = ", '"0.0.0.0"\nport = 8080\n```\n\nEvery key is optional except the routes.'),
        ("```rust\nfn main() {\n    let n = ", '42;\n    println!("{n}");\n}\n```\n\nDie Zahl wird ausgegeben.' * 2),
        ("Apply it with `kubectl apply -f ", "deploy/service.yaml` once the pull request is merged and reviewed."),
        ("実行するには `npm run ", "build` を使います。ビルドが終わると dist フォルダに結果が出力されます。" * 2),
    ],
)
@pytest.mark.parametrize("tag", ["answer", "continuation", "response"])
@pytest.mark.parametrize("chunk", [None, 1, 500])
def test_in_code_a_tag_glued_to_the_word_it_splits_is_a_wrapper(
    sent: str, rest: str, tag: str, chunk: int | None
) -> None:
    head = f"<{tag}>{rest}</{tag}>"
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # Markup glued to its text: an HTML element's name.
        (
            "```jsx\nfunction Note() {\n  return ",
            "<b>Remember to save your work before you close the editor window today</b>;\n}",
        ),
        (
            "```jsx\nconst p = ",
            "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt",
        ),
        # A type assertion: a type's capital.
        (
            "```ts\nconst el = ",
            "<HTMLElement>document.querySelector('#app');\nel.style.display = 'none';\n" + "// x\n" * 9,
        ),
        # A placeholder set off by punctuation or a space.
        (
            "```sh\nssh ",
            "<user>@<host> -p 22 -i ~/.ssh/id_ed25519 -o StrictHostKeyChecking=no -o ServerAliveInterval=30",
        ),
        ("```sh\ncd ", "<dir>/src && make && make install && echo done && echo really done && echo finished now"),
    ],
)
def test_in_code_a_tag_the_code_writes_is_kept(sent: str, head: str) -> None:
    assert splice(sent, head, chunk=3, mode="instruct") == sent + head


def test_in_code_a_tag_inside_a_line_waits_for_what_follows_it() -> None:
    sent = "```bash\ngit clone "
    ctx = analyse_tail(sent, sent)
    assert match_tag_wrap("<answer>", sent, ctx, final=False) == (PENDING, None)
    assert match_tag_wrap("<answer> x", sent, ctx, final=False) == (0, None)
    assert match_tag_wrap("<answer>h" + "x" * 90, sent, ctx, final=False) == (8, Closer(tokens=("</answer>",)))


@pytest.mark.parametrize("char", ["<", ">", "\n", " ", "a", "/", '"'])
def test_hostile_tag_heads_in_code_are_fast(char: str) -> None:
    sent = "```bash\ngit clone "
    ctx = analyse_tail(sent, sent)
    started = time.perf_counter()
    for prefix in ("", "<", "<answer>", "<answer>h"):
        for final in (False, True):
            match_tag_wrap(prefix + char * 10_000, sent, ctx, final=final)
    splice(sent, "<answer>h" + char * 10_000, chunk=500, mode="instruct")
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


POM = "```xml\n<project>\n  <dependencies>\n    <dependency>\n      <groupId>org.junit</groupId>\n      "


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # The element holds the closer of one the text left open.
        (POM, "<artifactId>junit</artifactId>\n    </dependency>\n  </dependencies>\n</project>\n```\n\nDone."),
        # It holds the closing fence of the block it was opened in.
        ("```html\n<form>\n  <input name=x>\n</form>\n", "```\n\nKeep the `label` element: screen readers read it."),
        ("```php\n<?php\necho 'a';\n\n", "echo shippingCost(2.5), PHP_EOL;\n```\n\nNamed arguments skip the zone."),
        ("<catalogue>\n  <livre id='1'>\n    ", "<titre>Vingt mille lieues</titre>\n  </livre>\n</catalogue>\n"),
    ],
)
@pytest.mark.parametrize("layout", ["{o}{r}{c}", "{o}\n{r}\n{c}"])
@pytest.mark.parametrize("chunk", [None, 2, 500])
def test_in_markup_a_tag_holding_an_outer_closer_is_a_wrapper(
    sent: str, rest: str, layout: str, chunk: int | None
) -> None:
    head = layout.format(o="<response>", r=rest, c="</response>")
    assert splice(sent, head, chunk=chunk, mode="instruct").rstrip("\n") == (sent + rest).rstrip("\n")


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # An element of the markup: its own closer comes first.
        (POM, "<scope>test</scope>\n    </dependency>\n  </dependencies>\n</project>\n```\n\nDone."),
        (POM, "<exclusions>\n        <exclusion>x</exclusion>\n      </exclusions>\n    </dependency>\n</project>"),
        # HTML leaves elements open: no evidence from nesting.
        ("```html\n<ul>\n  <li>one</li>\n</ul>\n<p>Then ", "<em>two\n</p>\n```\n\nThe list renders as bullets."),
        ("```html\n<div>\n  <p>One</p>\n", "<section>\n  <p>Two</p>\n</div>\n```\n\nThe section is implied."),
        # Nothing within the scan tells.
        (POM, "<notes>\n" + "        some text\n" * 40),
    ],
)
def test_in_markup_an_element_is_kept(sent: str, head: str) -> None:
    assert splice(sent, head, chunk=3, mode="instruct") == sent + head


@pytest.mark.parametrize("char", ["<", ">", "\n", " ", "a", "/", "`"])
def test_hostile_tag_heads_in_markup_are_fast(char: str) -> None:
    ctx = analyse_tail(POM, POM)
    started = time.perf_counter()
    for prefix in ("<response>", "<response>\n", "<response><a>", "<response></b>"):
        for final in (False, True):
            match_tag_wrap(prefix + char * 10_000, POM, ctx, final=final)
    for pattern in ("<a>", "</a>", "<a/>", "```\n", "<a "):
        match_tag_wrap("<response>" + pattern * 3000, POM, ctx, final=True)
    splice(POM, "<response>" + char * 10_000, chunk=500, mode="instruct")
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


@pytest.mark.parametrize("lead", ["Here is the manifest:\n\n", "Voici le fichier :\n\n", "```\nfirst\n```\n\n"])
@pytest.mark.parametrize("inner", ["```yaml\nkind: Deployment\n```", "```bash\nmake\n```", "~~~\nx\n~~~"])
@pytest.mark.parametrize("outer", ["````md", "````", "````text", "~~~~markdown"])
@pytest.mark.parametrize("chunk", [None, 1, 300])
def test_a_longer_fence_around_a_block_after_a_lead_line_is_a_wrapper(
    lead: str, inner: str, outer: str, chunk: int | None
) -> None:
    if outer[0] != inner.lstrip()[0]:
        return  # a fence of the other char does not hold the block as content
    rest = inner + "\n\nThen apply it."
    head = f"{outer}\n{rest}\n{outer[:4]}"
    assert splice(lead, head, chunk=chunk, mode="instruct") == lead + rest


@pytest.mark.parametrize("info", ["md", "markdown"])
def test_a_markdown_block_right_after_a_closed_block_is_a_wrapper(info: str) -> None:
    sent = "```python\nprint(1)\n```\n\n"
    rest = "The final `print` shows the result, and **nothing else** runs."
    assert splice(sent, f"```{info}\n{rest}\n```", chunk=3, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # The text shows Markdown source itself: a longer fence of its own.
        ("Write it as:\n\n````md\n```sh\nls\n```\n````\n\nor as:\n\n", "````md\n```sh\ndir\n```\n````\n\nBoth work."),
        # A longer fence whose first line is no fence: the answer's own block.
        ("Here is the doc:\n\n", "````md\n# Title\n\n```sh\nls\n```\n````\n\nThat is all."),
        # Output after a closed block: a bare or text block is the answer's.
        ("```python\nprint(1)\n```\n\n", "```\n1\n```\n\nIt prints one."),
        ("```python\nprint(1)\n```\n\n", "```text\n1\n```\n\nIt prints one."),
    ],
)
def test_the_answers_own_longer_or_output_block_is_kept(sent: str, head: str) -> None:
    assert splice(sent, head, chunk=3, mode="instruct") == sent + head


def test_a_longer_fence_waits_for_its_first_line() -> None:
    sent = "Here it is:\n\n"
    ctx = analyse_tail(sent, sent)
    assert match_fence_wrap("````md\n``", sent, ctx, final=False) == (PENDING, None)
    assert match_fence_wrap("````md\n```yaml", sent, ctx, final=False) == (PENDING, None)
    assert match_fence_wrap("````md\n```yaml\n", sent, ctx, final=False) == (7, Closer(fence="````"))
    assert match_fence_wrap("````md\n# T", sent, ctx, final=False) == (0, None)


@pytest.mark.parametrize("char", ["`", "~", " ", "\n", "a"])
def test_hostile_heads_after_a_lead_line_are_fast(char: str) -> None:
    sent = "Here it is:\n\n"
    ctx = analyse_tail(sent, sent)
    started = time.perf_counter()
    for prefix in ("````md\n", "````\n```", "````\n  "):
        for final in (False, True):
            match_fence_wrap(prefix + char * 10_000, sent, ctx, final=final)
    splice(sent, "````md\n" + char * 10_000, chunk=500, mode="instruct")
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        ("5. Enter the amount and confirm.\n", "\n### Things to keep in mind\n\n- Limits apply." + " More." * 20),
        ("2. **Generate a key.** Use your email:\n", "\n   ```bash\n   ssh-keygen -t ed25519\n   ```\n" + "x" * 80),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 300])
def test_line_breaks_after_the_tags_own_are_the_continuations(sent: str, rest: str, chunk: int | None) -> None:
    head = f"<answer>\n{rest}\n</answer>"
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + rest + "\n"
