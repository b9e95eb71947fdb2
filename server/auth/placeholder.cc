// Placeholder so the target configures while its area is written; removed when real sources land.
