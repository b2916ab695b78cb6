/**
 * Seed data for Trainyard: base-model catalogue and sample fine-tuning datasets.
 *
 * Base-model facts (parameter counts, context lengths, licenses, Hugging Face
 * repo ids and release dates) come from each model's public model card on the
 * Hugging Face Hub and the publisher's release announcement. Parameter counts
 * are in billions, as stated on the card; context lengths are in tokens.
 *
 * The datasets are fictional examples of an internal team's fine-tuning data.
 *
 * This module holds plain data only, so the seed script can upsert it
 * idempotently by `id`.
 */

export type ModelTask =
  | "TEXT_GENERATION"
  | "CODE_GENERATION"
  | "EMBEDDING"
  | "SPEECH_RECOGNITION"
  | "IMAGE_TEXT";

export interface BaseModelSeed {
  /** URL-safe slug, e.g. "llama-3.1-8b-instruct". */
  id: string;
  /** Display name, e.g. "Llama 3.1 8B Instruct". */
  name: string;
  family: string;
  organization: string;
  parametersBillions: number;
  /** Maximum context length in tokens. */
  contextLength: number;
  /** Short SPDX-like or vendor license name. */
  license: string;
  task: ModelTask;
  /** Exact Hugging Face repo id. */
  huggingFaceId: string;
  description: string;
  /** Public release date, "YYYY-MM-DD". */
  releasedOn: string;
}

export interface DatasetSeed {
  /** Slug; equal to `name`. */
  id: string;
  name: string;
  description: string;
  task: ModelTask;
  format: string;
  rowCount: number;
  sizeBytes: number;
}

export const baseModels: BaseModelSeed[] = [
  // ── Meta · Llama ──────────────────────────────────────────────────────────
  {
    id: "llama-3.1-8b-instruct",
    name: "Llama 3.1 8B Instruct",
    family: "Llama",
    organization: "Meta",
    parametersBillions: 8.03,
    contextLength: 131072,
    license: "Llama 3.1 Community",
    task: "TEXT_GENERATION",
    huggingFaceId: "meta-llama/Llama-3.1-8B-Instruct",
    description:
      "Instruction-tuned 8B model from the Llama 3.1 release, optimised for multilingual dialogue. It supports a 128K-token context window and tool use.",
    releasedOn: "2024-07-23",
  },
  {
    id: "llama-3.2-1b-instruct",
    name: "Llama 3.2 1B Instruct",
    family: "Llama",
    organization: "Meta",
    parametersBillions: 1.23,
    contextLength: 131072,
    license: "Llama 3.2 Community",
    task: "TEXT_GENERATION",
    huggingFaceId: "meta-llama/Llama-3.2-1B-Instruct",
    description:
      "Lightweight instruction-tuned Llama 3.2 text model for on-device use such as summarisation and retrieval-style chat, with a 128K-token context.",
    releasedOn: "2024-09-25",
  },
  {
    id: "llama-3.2-3b-instruct",
    name: "Llama 3.2 3B Instruct",
    family: "Llama",
    organization: "Meta",
    parametersBillions: 3.21,
    contextLength: 131072,
    license: "Llama 3.2 Community",
    task: "TEXT_GENERATION",
    huggingFaceId: "meta-llama/Llama-3.2-3B-Instruct",
    description:
      "The larger of the two Llama 3.2 text-only models, tuned for multilingual dialogue, agentic retrieval and summarisation, with a 128K-token context.",
    releasedOn: "2024-09-25",
  },

  // ── Mistral AI ────────────────────────────────────────────────────────────
  {
    id: "mistral-7b-instruct-v0.3",
    name: "Mistral 7B Instruct v0.3",
    family: "Mistral",
    organization: "Mistral AI",
    parametersBillions: 7.25,
    contextLength: 32768,
    license: "Apache-2.0",
    task: "TEXT_GENERATION",
    huggingFaceId: "mistralai/Mistral-7B-Instruct-v0.3",
    description:
      "Instruction-tuned Mistral 7B v0.3, which extends the vocabulary to 32,768 tokens and adds function calling support.",
    releasedOn: "2024-05-22",
  },
  {
    id: "mixtral-8x7b-instruct-v0.1",
    name: "Mixtral 8x7B Instruct v0.1",
    family: "Mixtral",
    organization: "Mistral AI",
    parametersBillions: 46.7,
    contextLength: 32768,
    license: "Apache-2.0",
    task: "TEXT_GENERATION",
    huggingFaceId: "mistralai/Mixtral-8x7B-Instruct-v0.1",
    description:
      "Sparse mixture-of-experts model with eight experts per layer, two of which are routed per token, so only about 12.9B of its 46.7B parameters are active per token.",
    releasedOn: "2023-12-11",
  },

  // ── Alibaba Cloud · Qwen ──────────────────────────────────────────────────
  {
    id: "qwen2.5-7b-instruct",
    name: "Qwen2.5 7B Instruct",
    family: "Qwen",
    organization: "Alibaba Cloud",
    parametersBillions: 7.61,
    contextLength: 131072,
    license: "Apache-2.0",
    task: "TEXT_GENERATION",
    huggingFaceId: "Qwen/Qwen2.5-7B-Instruct",
    description:
      "Instruction-tuned 7B model from the Qwen2.5 series with improved coding, maths and structured-output (JSON) abilities. It supports up to 131,072 tokens of context using YaRN.",
    releasedOn: "2024-09-19",
  },
  {
    id: "qwen2.5-1.5b-instruct",
    name: "Qwen2.5 1.5B Instruct",
    family: "Qwen",
    organization: "Alibaba Cloud",
    parametersBillions: 1.54,
    contextLength: 32768,
    license: "Apache-2.0",
    task: "TEXT_GENERATION",
    huggingFaceId: "Qwen/Qwen2.5-1.5B-Instruct",
    description:
      "Small instruction-tuned Qwen2.5 model with a 32,768-token context, suited to low-latency chat and cheap LoRA experiments.",
    releasedOn: "2024-09-19",
  },
  {
    id: "qwen2.5-coder-7b-instruct",
    name: "Qwen2.5-Coder 7B Instruct",
    family: "Qwen",
    organization: "Alibaba Cloud",
    parametersBillions: 7.61,
    contextLength: 131072,
    license: "Apache-2.0",
    task: "CODE_GENERATION",
    huggingFaceId: "Qwen/Qwen2.5-Coder-7B-Instruct",
    description:
      "Code-specialised Qwen2.5 model trained on 5.5 trillion tokens that include source code and text-code grounding data. It targets code generation, reasoning and repair.",
    releasedOn: "2024-09-19",
  },

  // ── Google · Gemma ────────────────────────────────────────────────────────
  {
    id: "gemma-2-2b-it",
    name: "Gemma 2 2B IT",
    family: "Gemma",
    organization: "Google",
    parametersBillions: 2.61,
    contextLength: 8192,
    license: "Gemma Terms of Use",
    task: "TEXT_GENERATION",
    huggingFaceId: "google/gemma-2-2b-it",
    description:
      "Instruction-tuned 2B member of the Gemma 2 family, a lightweight decoder-only model built from the same research as Gemini.",
    releasedOn: "2024-07-31",
  },
  {
    id: "gemma-2-9b-it",
    name: "Gemma 2 9B IT",
    family: "Gemma",
    organization: "Google",
    parametersBillions: 9.24,
    contextLength: 8192,
    license: "Gemma Terms of Use",
    task: "TEXT_GENERATION",
    huggingFaceId: "google/gemma-2-9b-it",
    description:
      "Instruction-tuned 9B Gemma 2 model that alternates local sliding-window and global attention layers, with an 8K-token context.",
    releasedOn: "2024-06-27",
  },

  // ── Microsoft · Phi ───────────────────────────────────────────────────────
  {
    id: "phi-3-mini-4k-instruct",
    name: "Phi-3 Mini 4K Instruct",
    family: "Phi",
    organization: "Microsoft",
    parametersBillions: 3.8,
    contextLength: 4096,
    license: "MIT",
    task: "TEXT_GENERATION",
    huggingFaceId: "microsoft/Phi-3-mini-4k-instruct",
    description:
      "3.8B small language model trained on heavily filtered web data and synthetic data, post-trained with SFT and DPO. This is the 4K-token context variant.",
    releasedOn: "2024-04-23",
  },
  {
    id: "phi-3.5-mini-instruct",
    name: "Phi-3.5 Mini Instruct",
    family: "Phi",
    organization: "Microsoft",
    parametersBillions: 3.8,
    contextLength: 131072,
    license: "MIT",
    task: "TEXT_GENERATION",
    huggingFaceId: "microsoft/Phi-3.5-mini-instruct",
    description:
      "Update to Phi-3 Mini with better multilingual and long-context performance. It supports a 128K-token context window.",
    releasedOn: "2024-08-20",
  },

  // ── Code models ───────────────────────────────────────────────────────────
  {
    id: "deepseek-coder-6.7b-instruct",
    name: "DeepSeek-Coder 6.7B Instruct",
    family: "DeepSeek-Coder",
    organization: "DeepSeek",
    parametersBillions: 6.7,
    contextLength: 16384,
    license: "DeepSeek License",
    task: "CODE_GENERATION",
    huggingFaceId: "deepseek-ai/deepseek-coder-6.7b-instruct",
    description:
      "Code model trained from scratch on 2T tokens (87% code, 13% natural language), then instruction-tuned. It was pre-trained with a 16K window and a fill-in-the-middle objective.",
    releasedOn: "2023-11-02",
  },
  {
    id: "starcoder2-15b",
    name: "StarCoder2 15B",
    family: "StarCoder",
    organization: "BigCode",
    parametersBillions: 15,
    contextLength: 16384,
    license: "BigCode OpenRAIL-M",
    task: "CODE_GENERATION",
    huggingFaceId: "bigcode/starcoder2-15b",
    description:
      "Base code model trained on over 600 programming languages from The Stack v2. It uses grouped-query attention, a 16,384-token context and 4,096-token sliding-window attention.",
    releasedOn: "2024-02-28",
  },

  // ── Fully open / small models ─────────────────────────────────────────────
  {
    id: "olmo-2-7b-instruct",
    name: "OLMo 2 7B Instruct",
    family: "OLMo",
    organization: "Allen Institute for AI",
    parametersBillions: 7.3,
    contextLength: 4096,
    license: "Apache-2.0",
    task: "TEXT_GENERATION",
    huggingFaceId: "allenai/OLMo-2-1124-7B-Instruct",
    description:
      "Fully open 7B model from Ai2: its weights, training data, code and recipes are all public. This variant is post-trained with the Tülu 3 recipe (SFT, DPO and RLVR).",
    releasedOn: "2024-11-26",
  },
  {
    id: "smollm2-1.7b-instruct",
    name: "SmolLM2 1.7B Instruct",
    family: "SmolLM",
    organization: "Hugging Face",
    parametersBillions: 1.7,
    contextLength: 8192,
    license: "Apache-2.0",
    task: "TEXT_GENERATION",
    huggingFaceId: "HuggingFaceTB/SmolLM2-1.7B-Instruct",
    description:
      "Compact model trained on 11 trillion tokens, then tuned with SFT and DPO. It is small enough to run on-device and supports rewriting, summarisation and function calling.",
    releasedOn: "2024-11-01",
  },

  // ── Embedding ─────────────────────────────────────────────────────────────
  {
    id: "bge-base-en-v1.5",
    name: "BGE Base EN v1.5",
    family: "BGE",
    organization: "BAAI",
    parametersBillions: 0.109,
    contextLength: 512,
    license: "MIT",
    task: "EMBEDDING",
    huggingFaceId: "BAAI/bge-base-en-v1.5",
    description:
      "English text-embedding model that produces 768-dimensional vectors for retrieval and semantic search. Version 1.5 has a more reasonable similarity distribution and retrieves well without a query instruction.",
    releasedOn: "2023-09-12",
  },

  // ── Speech recognition ────────────────────────────────────────────────────
  {
    id: "whisper-small",
    name: "Whisper Small",
    family: "Whisper",
    organization: "OpenAI",
    parametersBillions: 0.244,
    contextLength: 448,
    license: "MIT",
    task: "SPEECH_RECOGNITION",
    huggingFaceId: "openai/whisper-small",
    description:
      "Encoder-decoder speech recognition and translation model trained on 680,000 hours of weakly supervised, multilingual audio.",
    releasedOn: "2022-09-21",
  },
  {
    id: "whisper-large-v3",
    name: "Whisper Large v3",
    family: "Whisper",
    organization: "OpenAI",
    parametersBillions: 1.55,
    contextLength: 448,
    license: "MIT",
    task: "SPEECH_RECOGNITION",
    huggingFaceId: "openai/whisper-large-v3",
    description:
      "Large Whisper model that uses 128 Mel frequency bins and was trained on 1 million hours of weakly labelled audio plus 4 million hours of pseudo-labelled audio.",
    releasedOn: "2023-11-06",
  },
  {
    id: "trainyard-tiny-char-lm",
    name: "Trainyard Tiny Char LM",
    family: "Trainyard Tiny",
    organization: "Trainyard",
    parametersBillions: 0.000035,
    contextLength: 32,
    license: "Apache-2.0",
    task: "TEXT_GENERATION",
    huggingFaceId: "local/trainyard-tiny-char-lm",
    description:
      "A character-level language model of about 35K parameters that the reference PyTorch trainer (examples/trainer-pytorch) trains for real on CPU in well under a minute. Not on the Hugging Face Hub: it exists so a job can run end to end here; the simulated trainer leaves its jobs to a real trainer.",
    releasedOn: "2026-11-27",
  },
];

export const datasets: DatasetSeed[] = [
  {
    id: "support-tickets-2026q3",
    name: "support-tickets-2026q3",
    description:
      "Resolved customer-support conversations from Q3 2026, anonymised (names, emails, order numbers masked) and filtered to tickets with a CSAT score of 4 or higher.",
    task: "TEXT_GENERATION",
    format: "JSONL (chat messages: system/user/assistant)",
    rowCount: 48_312,
    sizeBytes: 117_406_522,
  },
  {
    id: "sql-from-questions",
    name: "sql-from-questions",
    description:
      "Analyst questions in natural language paired with verified PostgreSQL queries against the warehouse schema; each query was executed and its result checked before inclusion.",
    task: "CODE_GENERATION",
    format: "JSONL (question/schema/sql)",
    rowCount: 12_840,
    sizeBytes: 14_389_112,
  },
  {
    id: "internal-sdk-completions",
    name: "internal-sdk-completions",
    description:
      "Fill-in-the-middle samples taken from the TypeScript and Python client SDK repositories at merged-PR commits, with generated files and vendored code excluded.",
    task: "CODE_GENERATION",
    format: "JSONL (prefix/middle/suffix)",
    rowCount: 31_077,
    sizeBytes: 108_954_301,
  },
  {
    id: "contract-clauses",
    name: "contract-clauses",
    description:
      "Clauses from vendor and customer contracts with plain-English summaries and risk flags that the legal team wrote and reviewed.",
    task: "TEXT_GENERATION",
    format: "JSONL (instruction/input/response)",
    rowCount: 3_905,
    sizeBytes: 23_612_480,
  },
  {
    id: "product-faq-embeddings",
    name: "product-faq-embeddings",
    description:
      "Question/answer pairs from the help centre, each with a mined hard-negative passage, used for contrastive fine-tuning of the retrieval embedder.",
    task: "EMBEDDING",
    format: "JSONL (query/positive/negative)",
    rowCount: 27_560,
    sizeBytes: 16_482_944,
  },
  {
    id: "call-transcripts-en",
    name: "call-transcripts-en",
    description:
      "English support-line call segments (16 kHz mono, 5–30 s) with human-corrected transcripts; PII is redacted in both the audio and the text.",
    task: "SPEECH_RECOGNITION",
    format: "Parquet (FLAC audio + transcript)",
    rowCount: 18_644,
    sizeBytes: 4_126_873_600,
  },
  {
    id: "trainyard-docs-corpus",
    name: "trainyard-docs-corpus",
    description:
      "Trainyard's own documentation as plain text (examples/trainer-pytorch/data/corpus.txt; a row is a 32-character chunk): small enough to train the Tiny character model on a laptop CPU.",
    task: "TEXT_GENERATION",
    format: "Plain text (ASCII, 32-character rows)",
    rowCount: 1_292,
    sizeBytes: 41_370,
  },
];
