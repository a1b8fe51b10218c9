"""List the models the key can use, with any vendor fields the provider adds.

Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
"""

from tokenclient import TokenClient

with TokenClient() as client:
    models = client.models.list()
    print(f"{len(models)} models")
    for model in models:
        extras = model.model_extra or {}
        context = extras.get("context_length")
        print(f"  {model.id:<40} {model.owned_by or '':<12} {context or ''}")
