"""Traces: Tempo (TraceQL search, OTLP protobuf) and Jaeger (api_v3, OTLP JSON)."""
