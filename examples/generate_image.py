"""Generate an image and save it.

export TOKENCLIENT_API_KEY=... TOKENCLIENT_BASE_URL=https://tokenhub.store/api/v1
python examples/generate_image.py "a lighthouse in a storm"
"""

from __future__ import annotations

import base64
import sys
import tempfile
from pathlib import Path

from tokenclient import TokenClient

prompt = sys.argv[1] if len(sys.argv) > 1 else "A serene mountain landscape at sunset"

with TokenClient() as client:
    result = client.images.generate(
        model="bytedance/doubao-seedream-5.0",
        prompt=prompt,
        size="2048x2048",
        response_format="b64_json",
    )

for number, image in enumerate(result.data, start=1):
    if image.b64_json is not None:
        path = Path(tempfile.gettempdir()) / f"tokenclient-image-{number}.png"
        path.write_bytes(base64.b64decode(image.b64_json))
        print(f"saved {path}")
    else:  # some providers answer with a URL whatever was asked
        print(f"image {number}: {image.url}")
    if image.revised_prompt:
        print(f"  the model drew: {image.revised_prompt}")
