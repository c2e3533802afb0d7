"""Realistic provider payloads (shaped as WhatsApp's and Telegram's webhook references show
them) and the helpers that post them signed, so the real verification code runs."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

from django.conf import settings

_ids = itertools.count(1)

PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "6281100001111"
WABA_ID = "102290129340398"
CUSTOMER_WA_ID = "6281234567890"


def wamid() -> str:
    return f"wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDN0Q{next(_ids):05d}AA=="


def whatsapp_delivery(*, messages=(), statuses=(), contacts=None, phone_number_id=PHONE_NUMBER_ID) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = contacts or [
            {"profile": {"name": "Siti Rahayu"}, "wa_id": m["from"]} for m in {m["from"]: m for m in messages}.values()
        ]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def wa_text(body: str, *, sender=CUSTOMER_WA_ID, message_id=None, at=None) -> dict:
    return {
        "from": sender,
        "id": message_id or wamid(),
        "timestamp": str(int(at if at is not None else time.time())),
        "type": "text",
        "text": {"body": body},
    }


def wa_image(media_id: str, *, caption="", sender=CUSTOMER_WA_ID) -> dict:
    image = {"mime_type": "image/jpeg", "sha256": "ZbcR4nF0k3l6M9kC1Jt2Ezq0sZ4=", "id": media_id}
    if caption:
        image["caption"] = caption
    return {"from": sender, "id": wamid(), "timestamp": str(int(time.time())), "type": "image", "image": image}


def wa_button_reply(reply_id: str, title: str, *, sender=CUSTOMER_WA_ID) -> dict:
    return {
        "context": {"from": DISPLAY_NUMBER, "id": wamid()},
        "from": sender,
        "id": wamid(),
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
    }


def wa_list_reply(reply_id: str, title: str, description: str = "", *, sender=CUSTOMER_WA_ID) -> dict:
    return {
        "context": {"from": DISPLAY_NUMBER, "id": wamid()},
        "from": sender,
        "id": wamid(),
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": reply_id, "title": title, "description": description},
        },
    }


def wa_status(message_id: str, status: str, *, recipient=CUSTOMER_WA_ID, errors=None) -> dict:
    entry = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if status in ("sent", "delivered"):
        entry["conversation"] = {"id": "CONVERSATION_ID", "origin": {"type": "service"}}
        entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service"}
    if errors:
        entry["errors"] = errors
    return entry


def sign(body: bytes, secret: str | None = None) -> str:
    key = secret if secret is not None else settings.WHATSAPP_APP_SECRET
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def post_whatsapp(client, payload: dict, *, signature: str | None = "auto", body: bytes | None = None):
    body = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {}
    if signature == "auto":
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body)
    elif signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post("/channels/whatsapp/webhook/", data=body, content_type="application/json", **headers)


def tg_message(text: str | None = None, *, chat_id=555001, update_id=None, photo_file_id=None, caption=None) -> dict:
    message = {
        "message_id": next(_ids),
        "from": {"id": chat_id, "is_bot": False, "first_name": "Budi", "last_name": "Santoso", "language_code": "id"},
        "chat": {"id": chat_id, "first_name": "Budi", "last_name": "Santoso", "type": "private"},
        "date": int(time.time()),
    }
    if text is not None:
        message["text"] = text
    if photo_file_id:
        message["photo"] = [
            {
                "file_id": f"{photo_file_id}-small",
                "file_unique_id": "AQADs",
                "width": 90,
                "height": 67,
                "file_size": 1200,
            },
            {"file_id": photo_file_id, "file_unique_id": "AQADm", "width": 800, "height": 600, "file_size": 52000},
        ]
        if caption:
            message["caption"] = caption
    return {"update_id": update_id or 900000 + next(_ids), "message": message}


def tg_callback(data: str, button_text: str, *, chat_id=555001, update_id=None) -> dict:
    return {
        "update_id": update_id or 900000 + next(_ids),
        "callback_query": {
            "id": f"4382bfdwdsb323b2d9{next(_ids)}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Budi"},
            "chat_instance": "-7382635523",
            "data": data,
            "message": {
                "message_id": next(_ids),
                "from": {"id": 777, "is_bot": True, "first_name": "Toko", "username": "toko_bot"},
                "chat": {"id": chat_id, "first_name": "Budi", "type": "private"},
                "date": int(time.time()),
                "text": "Mau ukuran apa kak?",
                "reply_markup": {"inline_keyboard": [[{"text": button_text, "callback_data": data}]]},
            },
        },
    }


def post_telegram(client, update: dict, *, secret: str | None):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return client.post(
        "/channels/telegram/webhook/", data=json.dumps(update), content_type="application/json", **headers
    )
