"""Code-switched requests: Russian, Spanish, German or Chinese with English tech words
(hand-written; see ../README.md). Slots come from the English and Russian lists."""

LANG = "mixed"
AND = "и"

SLOTS = {
    "concept": [
        "dependency injection", "event loop", "race condition", "connection pooling", "eventual consistency",
        "backpressure", "idempotency", "garbage collection", "memoization", "sharding",
    ],
    "small_feature": [
        "retry с exponential backoff", "rate limiting на {endpoint}", "health check endpoint",
        "feature flag для нового checkout", "pagination в {endpoint}", "dark mode toggle",
        "structured logging", "request id в каждый log", "CSV export",
    ],
    "symptom": [
        "после deploy падает checkout", "websocket connection отваливается", "memory leak в worker",
        "cron job запускается дважды", "login возвращает 500 на staging", "build падает в CI",
        "cache не инвалидируется", "flaky test в {file}",
    ],
    "design_topic": [
        "event-driven архитектуру для notifications service", "caching layer для catalog API",
        "multi-tenant schema для invoices", "auth flow для mobile и web", "plugin system для exporters",
    ],
    "part": [
        "REST API", "React UI", "admin panel", "e2e тесты", "push notifications", "Stripe payments",
        "CI/CD pipeline", "monitoring", "миграции", "docs",
    ],
    "product": [
        "mobile app для нашего shop", "Telegram bot с payments", "internal CRM", "booking system",
        "chat app на websockets", "analytics dashboard",
    ],
    "big_feature": ["two-factor auth", "multi-tenancy", "full-text search", "offline mode", "SSO", "billing"],
    "area": ["весь backend", "все microservices", "legacy monolith", "frontend", "payment flow"],
}

PREFIX = ["Короче,", "Слушай,", "Oye,", "Also,", "Quick one:", "我们这边 {tech} 项目，"]
SUFFIX = ["Thanks!", "Спасибо!", "¡Gracias!", "Danke!", "谢谢！"]

FRAMES = {
    ("ask", True): [
        "Объясни, как работает {concept} в {tech}.", "Что такое {concept}, в двух словах?",
        "¿Qué es {concept} y cuándo se usa?", "Was genau ist {concept}?", "{concept} 是什么意思？",
        "Какая разница между `{func}` и `{func2}` в нашем code base?", "Why does {file} use {lib}? Просто интересно.",
    ],
    ("coder", True): [
        "Добавь {small_feature} в наш HTTP client.", "Запили {small_feature}, please.",
        "Añade {small_feature} al servicio de pedidos.", "Bitte {small_feature} in den API-Client einbauen.",
        "给 API client 加上 {small_feature}。", "Напиши unit tests для `{func}` в {file}.",
        "Сделай refactoring `{func}`, убери nested ifs.",
    ],
    ("debug", True): [
        "{symptom}, посмотри pls.", "После deploy вылетает `{error}` в {file}, fix it.",
        "Se rompe el build con `{error}`, ¿lo miras?", "Nach dem Deploy kommt `{error}`, kannst du das fixen?",
        "部署之后报 `{error}`，帮我 debug 一下。", "Вот stack trace, что не так?\n{trace}",
        "{cmd} падает с `{error}`, help.",
    ],
    ("architect", True): [
        "Как лучше сделать {design_topic}? Нужен design.", "Предложи design для {design_topic}, без кода пока.",
        "¿Cómo diseñarías {design_topic}? Solo el design.", "Wie würdest du {design_topic} designen?",
        "{design_topic} 应该怎么设计？先给个 design。",
    ],
    ("coder", False): [
        "Сделай full-stack фичу {big_feature}: {parts}.", "Запили {product} с нуля: {parts}.",
        "Изучи project и потом implement {big_feature} end to end.",
        "Construye {product}: {parts}.", "Baue {product} komplett: {parts}.", "从零做一个 {product}：{parts}。",
        "Мигрируй {area} на {tech2}, а потом update все tests и docs.",
    ],
    ("architect", False): [
        "Спроектируй и распланируй migration {area} на microservices: bounded contexts, rollout, rollback.",
        "Нужен design и план внедрения {big_feature}: {parts}.", "Diseña y planifica {product}: {parts}.",
    ],
    ("debug", False): [
        "После upgrade {tech} сломалось сразу несколько вещей: {symptom}, {symptom2}; разберись с каждой и fix.",
        "В {area} куча flaky tests, найди root causes и почини все.",
    ],
    ("ask", False): [
        "Пройдись по всем modules в {area} и напиши onboarding doc: что делает каждый, risks, test coverage.",
    ],
}

HANDWRITTEN = [
    ("ok, а как работает `asyncio.gather` под капотом?", "ask", True),
    ("pls добавь `--json` flag в CLI", "coder", True),
    ("почему-то `docker compose up` hangs на миграциях", "debug", True),
    ("Нужен high-level design для audit log, какие components?", "architect", True),
    ("Сделай MVP маркетплейса: catalog, cart, checkout, seller dashboard и deploy.", "coder", False),
]

# Round 2 (written after the second dev-set run, which showed only aggregate figures;
# see ../README.md).
HANDWRITTEN += [
    ("Поменяй session timeout с 30 на 60 минут.", "coder", True),
    ("Submit button должна быть disabled, пока форма не valid.", "coder", True),
    ("С утра половина users не может залогиниться.", "debug", True),
    ("Напиши ADR: берём ли мы event sourcing для orders.", "architect", True),
    ("Что делает `git stash pop`, если есть conflicts?", "ask", True),
    ("Добавь billing: plans, trials, invoices и customer portal.", "coder", False),
    ("El endpoint de login devuelve 500 en staging, ¿puedes hacer debug?", "debug", True),
    ("Bitte ein ADR schreiben: Event Sourcing für Orders, ja oder nein?", "architect", True),
]
