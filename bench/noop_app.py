"""The baseline: a FastAPI endpoint that does nothing, served exactly like jrp (uvicorn, 2 workers)."""

from fastapi import FastAPI

app = FastAPI()


@app.post("/v1/checks")
async def check() -> dict[str, str]:
    return {"outcome": "allow"}


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
