"""The answer pipeline: cited French answers from retrieved passages and structured drug facts."""
