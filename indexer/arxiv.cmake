# indexer/arxiv.cmake
