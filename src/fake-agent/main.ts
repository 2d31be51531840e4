// Placeholder entry point; replaced by its implementation.
export {};
