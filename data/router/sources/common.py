"""Slot fillers shared by every language: code identifiers, file names, error
messages and stack traces look the same whatever language the request is in.

Written by hand for the router's training data (see ../README.md); nothing here
comes from the dev set.
"""

FILE = [
    "parser.py", "utils/text.py", "app/models.py", "src/api/routes.ts", "settings.py",
    "main.go", "src/lib.rs", "UserService.java", "index.js", "components/Header.vue",
    "src/App.tsx", "billing/invoice.py", "docker-compose.yml", "Dockerfile", "Makefile",
    "config/database.yml", "handlers/auth.go", "store/cart.ts", "views.py", "schema.sql",
    "package.json", "pyproject.toml", "tests/test_orders.py", "cmd/server/main.go",
    "lib/payments.rb", "webpack.config.js", "src/hooks/useAuth.ts", "db/migrations/0042_add_slug.py",
    "scripts/deploy.sh", ".github/workflows/ci.yml", "nginx.conf", "CMakeLists.txt",
    "src/main/resources/application.yml", "pages/checkout.tsx", "workers/email_worker.py",
    "internal/cache/redis.go", "Cargo.toml", "app/Http/Controllers/OrderController.php",
    "src/components/DatePicker.jsx", "README.md", "services/notifications.py", "api/serializers.py",
]

FUNC = [
    "parse_date", "getUser", "calculate_total", "slugify", "validateEmail", "send_invoice",
    "fetchOrders", "normalize_phone", "build_query", "retry_request", "renderHeader",
    "handle_webhook", "apply_discount", "loadConfig", "export_csv", "hashPassword",
    "merge_intervals", "resize_image", "CalculateTax", "process_payment", "useDebounce",
    "to_snake_case", "parseArgs", "compute_score", "OrderRepository.save",
]

ENDPOINT = [
    "GET /products", "POST /orders", "GET /users/:id", "DELETE /sessions", "PATCH /profile",
    "POST /auth/login", "GET /reports/monthly", "PUT /cart/items", "GET /search", "POST /webhooks/stripe",
]

TABLE = ["orders", "users", "invoices", "products", "sessions", "payments", "articles", "events"]
COLUMN = ["customer_id", "created_at", "email", "status", "slug", "total_cents", "deleted_at", "tenant_id"]

TECH = [
    "Python", "Django", "FastAPI", "Flask", "React", "Vue", "Angular", "Node.js", "Express",
    "Go", "Rust", "Java", "Spring Boot", "Kotlin", "Swift", "PostgreSQL", "MySQL", "Redis",
    "MongoDB", "Kafka", "RabbitMQ", "Docker", "Kubernetes", "TypeScript", "Next.js", "Rails",
    "Laravel", "GraphQL", "gRPC", "Celery", "SQLAlchemy", "Terraform", "Elasticsearch",
]

CMD = [
    "pytest", "npm test", "go test ./...", "cargo build", "mvn package", "docker compose up",
    "npm run build", "make", "alembic upgrade head", "yarn install", "pip install -r requirements.txt",
    "gradle build", "tsc --noEmit", "terraform apply", "kubectl apply -f deploy.yaml",
]

ERROR = [
    "KeyError: 'user_id'", "TypeError: Cannot read properties of undefined (reading 'map')",
    "NullPointerException", "IndexError: list index out of range",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "ModuleNotFoundError: No module named 'app'", "ECONNREFUSED 127.0.0.1:5432",
    "sqlalchemy.exc.IntegrityError: duplicate key value violates unique constraint",
    "AttributeError: 'NoneType' object has no attribute 'id'",
    "Uncaught ReferenceError: process is not defined", "error[E0502]: cannot borrow `x` as mutable",
    "java.lang.OutOfMemoryError: Java heap space", "RecursionError: maximum recursion depth exceeded",
    "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff", "CORS policy: No 'Access-Control-Allow-Origin' header",
    "fatal: refusing to merge unrelated histories", "exit code 137", "504 Gateway Timeout",
    "psycopg.errors.UndefinedTable: relation \"orders\" does not exist", "Segmentation fault (core dumped)",
    "ValueError: too many values to unpack (expected 2)", "SyntaxError: Unexpected token '<'",
    "django.db.utils.OperationalError: database is locked", "Error: listen EADDRINUSE: address already in use :::3000",
    "ImportError: cannot import name 'Mapping' from 'collections'", "OOMKilled",
]

TRACE = [
    """Traceback (most recent call last):
  File "app/views.py", line 42, in checkout
    total = cart.total()
  File "app/cart.py", line 17, in total
    return sum(i.price * i.qty for i in self.items)
TypeError: unsupported operand type(s) for *: 'NoneType' and 'int'""",
    """Traceback (most recent call last):
  File "manage.py", line 22, in <module>
    main()
  File "orders/tasks.py", line 88, in sync_orders
    resp.raise_for_status()
requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.example.com/orders""",
    """TypeError: Cannot read properties of undefined (reading 'length')
    at renderList (src/components/List.jsx:23:31)
    at renderWithHooks (react-dom.development.js:14985:18)
    at mountIndeterminateComponent (react-dom.development.js:17811:13)""",
    """panic: runtime error: index out of range [3] with length 3

goroutine 1 [running]:
main.parseHeader(...)
        /app/internal/http/header.go:57
main.main()
        /app/cmd/server/main.go:31 +0x1d""",
    """Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null
    at com.shop.UserService.register(UserService.java:64)
    at com.shop.Main.main(Main.java:12)""",
    """thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/config.rs:19:42
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace""",
    """FAILED tests/test_orders.py::test_refund - AssertionError: assert 200 == 201
 +  where 200 = <Response [200]>.status_code""",
    """npm ERR! code ERESOLVE
npm ERR! ERESOLVE unable to resolve dependency tree
npm ERR! peer react@"^17.0.0" from react-datepicker@4.2.1""",
    """sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: FATAL:  too many connections for role "app"
(Background on this error at: https://sqlalche.me/e/20/e3q8)""",
    """Error: Cannot find module './config'
Require stack:
- /srv/app/server.js
    at Module._resolveFilename (node:internal/modules/cjs/loader:1039:15)""",
    """E   django.db.utils.IntegrityError: NOT NULL constraint failed: orders_order.customer_id
tests/test_checkout.py:31: IntegrityError""",
    """Caused by: org.postgresql.util.PSQLException: ERROR: deadlock detected
  Detail: Process 4211 waits for ShareLock on transaction 99812; blocked by process 4209.""",
]

LIB = ["requests", "httpx", "lodash", "moment.js", "date-fns", "axios", "pandas", "NumPy", "Pydantic",
       "Jest", "Vitest", "Celery", "Sidekiq", "Prisma", "TypeORM", "Hibernate", "Zod", "Redux"]
