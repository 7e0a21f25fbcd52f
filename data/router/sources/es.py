"""Spanish request frames and phrase lists (hand-written; see ../README.md)."""

LANG = "es"
AND = "y"

SLOTS = {
    "concept": [
        "la inyección de dependencias", "el GIL", "un closure", "la consistencia eventual",
        "el teorema CAP", "un mutex", "la recursión de cola", "la memoización", "CORS",
        "un índice de base de datos", "un ORM", "el bloqueo optimista", "una condición de carrera",
        "el recolector de basura", "la idempotencia", "el event loop", "el sharding", "un JWT",
        "el pool de conexiones", "el problema N+1",
    ],
    "concept2": [
        "un proceso y un hilo", "TCP y UDP", "una lista y una tupla", "merge y rebase",
        "PUT y PATCH", "SQL y NoSQL", "autenticación y autorización", "un mock y un stub",
        "una interfaz y una clase abstracta", "cookies y localStorage",
    ],
    "small_feature": [
        "un flag `--verbose` al CLI", "paginación al endpoint {endpoint}", "un endpoint de health check",
        "una columna `created_at` a la tabla {table}", "validación al formulario de registro",
        "un spinner al botón de guardar", "modo oscuro a la página de ajustes",
        "reintentos con backoff al cliente HTTP", "un índice en {table}.{column}",
        "límite de peticiones a {endpoint}", "un botón de exportar a CSV en los informes",
        "anotaciones de tipo a {file}", "caché a `{func}`", "un timeout al cliente de la base de datos",
    ],
    "change": [
        "renombra `{func}` en todo el código", "pasa `{func}` a async/await",
        "extrae la validación de {file} a una función aparte", "reemplaza {lib} por {lib2} en {file}",
        "escribe tests unitarios para `{func}`", "haz configurable el formato de fecha en {file}",
        "elimina el código muerto de {file}", "divide {file} en dos módulos",
        "crea un Dockerfile para la app de {tech}", "corrige la errata del correo de bienvenida",
        "actualiza la sección de instalación del README",
    ],
    "symptom": [
        "la app se cae cuando cierro sesión", "la página de login sale en blanco en Safari",
        "la memoria crece hasta que el worker muere por OOM", "el cron se ejecuta dos veces cada noche",
        "los precios no se actualizan después de cambiarlos en el admin",
        "el websocket se desconecta cada 60 segundos", "el botón Guardar no hace nada",
        "las horas de los informes están desfasadas una hora", "la consulta a {table} tarda 12 segundos",
        "{cmd} se queda colgado en CI", "los correos se envían dos veces",
        "`{func}` devuelve None con datos válidos", "la API devuelve 500 solo en staging",
        "el contenedor se cierra nada más arrancar", "el build funciona en local pero falla en CI",
    ],
    "design_topic": [
        "el rate limiting de nuestro API gateway", "la estructura de carpetas de un servicio nuevo en {tech}",
        "la caché del catálogo de productos", "el modelo de datos de una biblioteca",
        "el contrato de la API de reseñas", "la autenticación para el cliente móvil y el web",
        "los trabajos en segundo plano para informes", "un sistema de plugins para los exportadores",
        "el esquema de facturas multi-tenant", "el almacenamiento de archivos subidos",
        "el versionado de la API pública", "un registro de auditoría",
    ],
    "choice": [
        "{tech} o {tech2} para el servicio nuevo", "monolito o microservicios para el MVP",
        "PostgreSQL o MongoDB para los pedidos", "Kafka o RabbitMQ para los eventos",
        "REST o GraphQL para la API móvil",
    ],
    "part": [
        "una API REST", "un frontend en React", "un panel de administración", "migraciones de base de datos",
        "tests end-to-end", "notificaciones push", "resúmenes por correo", "control de acceso por roles",
        "un pipeline de CI/CD", "pagos con Stripe", "una búsqueda con filtros", "monitorización y alertas",
        "documentación", "un cliente móvil", "tests unitarios", "un panel de analítica",
    ],
    "product": [
        "una app móvil para nuestra tienda online", "un bot de Telegram con pagos",
        "un sistema de citas para una clínica", "un CRM interno", "una plataforma de blogs con comentarios",
        "un gestor de tareas tipo Trello", "una aplicación de chat", "un sistema de inventario",
        "una plataforma de cursos online", "una app de reparto de comida",
    ],
    "big_feature": [
        "la autenticación de dos factores", "el multi-tenant", "la búsqueda de texto completo",
        "un modo sin conexión", "un sistema de notificaciones", "las suscripciones de pago",
        "el inicio de sesión único", "un sistema de permisos", "la internacionalización",
    ],
    "area": [
        "el módulo de facturación", "todo el backend", "todos nuestros servicios", "el frontend",
        "las páginas del admin", "los 30 endpoints de la API", "el flujo de pago",
    ],
}

PREFIX = [
    "Somos un equipo pequeño con un monolito en {tech}.", "Soy nuevo en este proyecto.",
    "Contexto: es un proyecto heredado de 2015.", "Ayer se quejaron los clientes.", "¡Hola!",
    "Llevo toda la mañana con esto.", "En producción usamos {tech} y {tech2}.", "Una pregunta rápida.",
]
SUFFIX = ["¡Gracias!", "Sin prisa.", "Gracias de antemano.", "Bloquea la release.", "Usamos {tech}, por si importa."]

FRAMES = {
    ("ask", True): [
        "¿Qué es {concept}?", "¿Me explicas {concept} con palabras sencillas?",
        "¿Qué diferencia hay entre {concept2}?", "¿Cómo funciona {concept} por dentro?",
        "¿Para qué sirve {concept}?", "¿Qué hace `{func}` en {file}?",
        "¿Qué significa normalmente `{error}`? Solo por curiosidad, no hay nada roto.",
        "¿Por qué este proyecto usa {lib} y no {lib2}?", "Explícame para qué sirve {file}.",
        "¿Cuándo conviene usar {concept} y cuándo es excesivo?", "Dame un ejemplo de {concept} en {tech}.",
        "¿Cuáles son los pros y contras de {concept}?", "¿Cómo se compara {tech} con {tech2} para un principiante?",
    ],
    ("coder", True): [
        "Añade {small_feature}.", "Por favor, {change}.", "¿Puedes {change}?", "agrega {small_feature}",
        "Implementa `{func}` en {file}.", "Escribe tests unitarios para `{func}` de {file}.",
        "Crea un endpoint nuevo {endpoint} que devuelva JSON.", "Añade {small_feature} y un test.",
        "Escribe una función que fusione dos listas ordenadas.",
        "Cambia la URL fija de {file} por una variable de entorno.",
        "Añade un campo `{column}` al modelo {table} y devuélvelo en {endpoint}.",
        "Refactoriza `{func}` para quitar los if anidados.",
    ],
    ("debug", True): [
        "{symptom}. ¿Puedes arreglarlo?", "Arregla esto: {symptom_lc}.", "{symptom}, ¿alguna idea de por qué?",
        "Me sale `{error}` al ejecutar {cmd}.", "En {file} salta `{error}`, corrígelo por favor.",
        "¿Por qué {symptom_lc}?", "{cmd} falla así:\n{trace}", "Aquí está el traceback:\n{trace}\n¿Qué pasa?",
        "Los tests de {file} fallan desde el merge. Averigua por qué.", "Producción caída con `{error}`. ¡Ayuda!",
        "{symptom}; empezó después de actualizar {tech}.", "Al llamar a {endpoint} recibo `{error}`.",
    ],
    ("architect", True): [
        "Propón un diseño para {design_topic} antes de escribir código.", "¿Cómo diseñarías {design_topic}?",
        "¿Qué elegirías: {choice}? Explica los compromisos para nuestro caso.",
        "Haz un boceto de la arquitectura para {design_topic}.", "¿Qué estructura tiene sentido para {design_topic}?",
        "Diseña {design_topic}: componentes, flujo de datos y modos de fallo.",
        "¿Qué patrón de diseño encaja con {design_topic}?", "Compara dos enfoques para {design_topic} y recomienda uno.",
        "¿Cómo dividirías {area} en módulos? Solo el diseño, sin código.",
    ],
    ("coder", False): [
        "Construye {product}.", "Crea {product} desde cero.", "Implementa {big_feature} de punta a punta: {parts}.",
        "Estudia el proyecto actual y luego implementa {big_feature}.", "Añade {big_feature} a la app: {parts}.",
        "Necesitamos {product} con {parts}.", "Migra {area} de {tech} a {tech2} y actualiza los tests.",
        "Primero lee el código, después añade {big_feature}, luego escribe tests y actualiza la documentación.",
        "Desarrolla {product}:\n{bullets}", "Implementa lo siguiente:\n{numbered}",
    ],
    ("architect", False): [
        "Diseña y planifica {product}: {parts}.", "Planifica la migración de {area} a {tech}: {parts}.",
        "Prepara la arquitectura y un plan de migración paso a paso de {area} de {tech} a {tech2}.",
        "Diseña todo el backend de {product} y planifica el orden de implementación.",
        "Prepara un plan técnico completo para {big_feature}: {parts}.",
    ],
    ("debug", False): [
        "Tras actualizar {tech}, {area} tiene varios fallos: {symptom_lc}, y además {symptom2_lc}. Investiga cada uno y arréglalos.",
        "Hay muchos tests inestables en {area}; encuentra las causas y arréglalos todos.",
        "Llegaron varios bugs hoy: {symptom_lc}; {symptom2_lc}; y `{error}` en {file}. Arréglalos todos.",
        "Arregla todos estos problemas:\n{bug_bullets}",
    ],
    ("ask", False): [
        "Revisa todos los módulos de {area} y escribe, para cada uno, qué hace, sus riesgos y su cobertura de tests.",
        "Estudia todo el código y escribe documentación para cada módulo público.",
        "Analiza {area} y prepara un informe de deuda técnica con una lista priorizada de arreglos.",
    ],
}

HANDWRITTEN = [
    ("oye, ¿cómo funcionan los decoradores en Python?", "ask", True),
    ("sube la versión de node en .nvmrc a la 20", "coder", True),
    ("El formulario acepta correos sin @. Es un bug, arréglalo.", "debug", True),
    ("¿Cómo organizarías los paquetes para una arquitectura hexagonal en Go?", "architect", True),
    ("Estudia el proyecto y hazle una app móvil.", "coder", False),
    ("Monta todo el proyecto: estructura del repo, backend, frontend, Docker, CI y un primer despliegue.", "coder", False),
]

# Round 2 (written after the second dev-set run, which showed only aggregate figures;
# see ../README.md).
HANDWRITTEN += [
    ("¿Qué hace exactamente `git stash pop` si hay conflictos?", "ask", True),
    ("¿Dónde se configuran los logs en este proyecto?", "ask", True),
    ("Cambia el tiempo de sesión de 30 a 60 minutos.", "coder", True),
    ("El botón de enviar debería estar desactivado hasta que el formulario sea válido.", "coder", True),
    ("Muestra un mensaje de error claro cuando el archivo es demasiado grande.", "coder", True),
    ("Desde esta mañana la mitad de los usuarios no puede iniciar sesión.", "debug", True),
    ("El total del carrito sale mal si añado el mismo producto dos veces.", "debug", True),
    ("Escribe un ADR sobre si adoptamos event sourcing para los pedidos.", "architect", True),
    ("Diseña el esquema de base de datos para usuarios, equipos, proyectos e invitaciones.", "architect", True),
    ("Añade un sistema de facturación: planes, pruebas gratuitas, facturas y un portal para clientes.", "coder", False),
    ("Los usuarios se quejan de lentitud, cierres de sesión y fotos rotas en la web móvil. Revisa los tres problemas y arréglalos.", "debug", False),
]
