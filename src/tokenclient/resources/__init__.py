"""The API's endpoints, grouped as the OpenAI SDK groups them; each file holds a sync/async twin."""
