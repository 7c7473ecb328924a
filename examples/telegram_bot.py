"""An echo bot with a menu, written with the unmodified python-telegram-bot, run against
microletter: it repeats what you say, and /menu shows an inline keyboard whose buttons
it answers (a toast) and edits its message for (formatted with HTML).

It is what you would write for Telegram itself; the only microletter-specific lines are
`base_url` and `base_file_url`, which point the library at your server instead of
api.telegram.org.

    pip install 'python-telegram-bot>=21'
    # make the bot in the console (or: POST /api/v1/telegram/bots {"username": "echo_bot"})
    export BOT_SERVER=http://127.0.0.1:8080 BOT_TOKEN=1234567890:AA...   # the token shown once
    python examples/telegram_bot.py

Then, in the web client or the SDK, start a chat with @echo_bot
(POST /api/v1/telegram/start {"username": "echo_bot"}) and say something, or type "/"
and pick /menu.
"""

from __future__ import annotations

import os

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

COMMANDS = [
    BotCommand("start", "Say hello"),
    BotCommand("help", "What I do"),
    BotCommand("menu", "Pick a drink"),
]
DRINKS = ["Coffee", "Tea", "Juice"]


def drinks() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(d, callback_data=d.lower()) for d in DRINKS]]
    )


async def menu(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message:
        await update.effective_message.reply_text("What would you like?", reply_markup=drinks())


async def picked(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer(f"One {query.data} coming up")  # a toast in the web client
    await query.edit_message_text(
        f"You picked <b>{query.data}</b>. Another?", parse_mode=ParseMode.HTML,
        reply_markup=drinks(),
    )  # fmt: skip


async def start(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_user:
        name = update.effective_user.first_name
        await update.effective_message.reply_text(f"Hello, {name}! I repeat what you say.")


async def help_command(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message:
        await update.effective_message.reply_text("Send me text; I send it back.")


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message and message.text:
        await message.reply_text(message.text, do_quote=True)


async def publish_commands(app: Application) -> None:  # type: ignore[type-arg]
    await app.bot.set_my_commands(COMMANDS)


def build(server: str, token: str) -> Application:  # type: ignore[type-arg]
    """The bot, pointed at a microletter server (e.g. http://127.0.0.1:8080)."""
    app = (
        Application.builder()
        .token(token)
        .base_url(f"{server}/bot")
        .base_file_url(f"{server}/file/bot")
        .post_init(publish_commands)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(picked))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


if __name__ == "__main__":
    build(os.environ["BOT_SERVER"].rstrip("/"), os.environ["BOT_TOKEN"]).run_polling()
