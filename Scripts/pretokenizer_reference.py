#!/usr/bin/env python3
"""How Hugging Face `tokenizers` pre-tokenizes hard texts with the byte-level patterns Strata
implements by hand: GPT-2's (ByteLevel with its regex), SmolLM's (each digit alone, then GPT-2's)
and Llama 3's (a Split on its regex, isolated). Writes
Tests/StrataModelsTests/Fixtures/pretokenizer_reference.json: for each text and pattern, the
pieces as substrings of the text (from the offsets HF reports, in Unicode code points).

    python3 Scripts/pretokenizer_reference.py
"""

import json
import os

from tokenizers import Regex, pre_tokenizers

from llama_reference import HARD_TEXTS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "StrataModelsTests", "Fixtures", "pretokenizer_reference.json")

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+")

PATTERNS = {
    "gpt2": pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    "smollm": pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                       pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]),
    "llama3": pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated", invert=False),
}

EXTRA = [
    "x\r\n\r\n  y\n\n\tz", "HELLO'S WORLD'LL 'Re", "(hello) [world]... ,,,\n\n", "12345678 1½ ²³ ١٢٣",
    "trailing newline\n", "  \n  ", "a\u3000b\u2003c",
]


def main():
    cases = []
    for text in HARD_TEXTS + EXTRA:
        case = {"text": text}
        for name, pre in PATTERNS.items():
            case[name] = [text[s:e] for _, (s, e) in pre.pre_tokenize_str(text)]
            assert "".join(case[name]) == text, (name, text)
        cases.append(case)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"source": "Scripts/pretokenizer_reference.py", "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(OUT, ROOT), len(cases), "cases")


if __name__ == "__main__":
    main()
