"""Portuguese request frames and phrase lists (hand-written; see ../README.md)."""

LANG = "pt"
AND = "e"

SLOTS = {
    "concept": [
        "injeção de dependência", "o GIL", "uma closure", "consistência eventual", "o teorema CAP",
        "um mutex", "recursão de cauda", "memoização", "CORS", "um índice de banco de dados", "um ORM",
        "lock otimista", "uma condição de corrida", "o garbage collector", "idempotência",
        "o event loop", "sharding", "um JWT", "pool de conexões", "o problema N+1",
    ],
    "concept2": [
        "processo e thread", "TCP e UDP", "lista e tupla", "merge e rebase", "PUT e PATCH",
        "SQL e NoSQL", "autenticação e autorização", "mock e stub", "interface e classe abstrata",
    ],
    "small_feature": [
        "uma flag `--verbose` na CLI", "paginação no endpoint {endpoint}", "um endpoint de health check",
        "uma coluna `created_at` na tabela {table}", "validação no formulário de cadastro",
        "um spinner no botão de salvar", "modo escuro na página de configurações",
        "retentativas com backoff no cliente HTTP", "um índice em {table}.{column}",
        "limite de requisições em {endpoint}", "um botão de exportar CSV nos relatórios",
        "anotações de tipo em {file}", "cache em `{func}`",
    ],
    "change": [
        "renomeie `{func}` em todo o código", "converta `{func}` para async/await",
        "extraia a validação de {file} para uma função separada", "troque {lib} por {lib2} em {file}",
        "escreva testes unitários para `{func}`", "deixe configurável o formato de data em {file}",
        "remova o código morto de {file}", "divida {file} em dois módulos",
        "crie um Dockerfile para o app {tech}", "corrija o erro de digitação no e-mail de boas-vindas",
    ],
    "symptom": [
        "o app trava quando faço logout", "a página de login fica em branco no Safari",
        "a memória cresce até o worker ser morto por OOM", "o cron roda duas vezes toda noite",
        "os preços não atualizam depois da alteração no admin", "o websocket cai a cada 60 segundos",
        "o botão Salvar não faz nada", "os horários dos relatórios estão uma hora adiantados",
        "a consulta em {table} leva 12 segundos", "{cmd} trava no CI", "os e-mails são enviados em dobro",
        "`{func}` retorna None com entrada válida", "a API retorna 500 só em homologação",
        "o build passa localmente mas falha no CI",
    ],
    "design_topic": [
        "o rate limiting do nosso API gateway", "a estrutura de pastas de um novo serviço {tech}",
        "o cache do catálogo de produtos", "o modelo de dados de uma biblioteca",
        "o contrato da API de avaliações", "a autenticação para os clientes mobile e web",
        "os jobs em segundo plano para relatórios", "um sistema de plugins para os exportadores",
        "o esquema de faturas multi-tenant", "o versionamento da API pública", "um log de auditoria",
    ],
    "choice": [
        "{tech} ou {tech2} para o serviço novo", "monólito ou microsserviços para o MVP",
        "PostgreSQL ou MongoDB para os pedidos", "Kafka ou RabbitMQ para os eventos",
    ],
    "part": [
        "uma API REST", "um frontend em React", "um painel administrativo", "migrações de banco",
        "testes end-to-end", "notificações push", "resumos por e-mail", "controle de acesso por papéis",
        "um pipeline de CI/CD", "pagamentos com Stripe", "uma busca com filtros", "monitoramento e alertas",
        "documentação", "um cliente mobile", "testes unitários", "um painel de analytics",
    ],
    "product": [
        "um aplicativo mobile para a nossa loja virtual", "um bot de Telegram com pagamentos",
        "um sistema de agendamento para uma clínica", "um CRM interno", "uma plataforma de blog",
        "um gerenciador de tarefas tipo Trello", "um aplicativo de chat", "uma plataforma de cursos online",
    ],
    "big_feature": [
        "autenticação de dois fatores", "multi-tenancy", "busca de texto completo", "um modo offline",
        "um sistema de notificações", "assinaturas com cobrança recorrente", "login único (SSO)",
        "um sistema de permissões",
    ],
    "area": [
        "o módulo de faturamento", "todo o backend", "todos os nossos serviços", "o frontend",
        "as páginas do admin", "os 30 endpoints da API", "o fluxo de pagamento",
    ],
}

PREFIX = [
    "Somos um time pequeno com um monólito em {tech}.", "Sou novo neste projeto.",
    "Contexto: é um projeto legado de 2015.", "Os clientes reclamaram ontem.", "Olá!",
    "Estou nisso a manhã toda.", "Em produção usamos {tech} e {tech2}.", "Pergunta rápida.",
]
SUFFIX = ["Obrigado!", "Sem pressa.", "Desde já, obrigado.", "Está bloqueando o release.", "Usamos {tech}, se importar."]

FRAMES = {
    ("ask", True): [
        "O que é {concept}?", "Pode me explicar {concept} de forma simples?",
        "Qual a diferença entre {concept2}?", "Como {concept} funciona por dentro?",
        "Para que serve {concept}?", "O que `{func}` faz em {file}?",
        "O que `{error}` costuma significar? Só curiosidade, nada quebrou.",
        "Por que este projeto usa {lib} e não {lib2}?", "Me explica para que serve {file}.",
        "Quando vale a pena usar {concept}, e quando é exagero?", "Me dá um exemplo de {concept} em {tech}.",
        "Quais os prós e contras de {concept}?",
    ],
    ("coder", True): [
        "Adicione {small_feature}.", "Por favor, {change}.", "Você pode {change}?", "adiciona {small_feature}",
        "Implemente `{func}` em {file}.", "Escreva testes unitários para `{func}` de {file}.",
        "Crie um endpoint novo {endpoint} que retorne JSON.", "Adicione {small_feature} e um teste.",
        "Escreva uma função que junte duas listas ordenadas.",
        "Troque a URL fixa em {file} por uma variável de ambiente.",
        "Adicione um campo `{column}` ao modelo {table} e exponha em {endpoint}.",
    ],
    ("debug", True): [
        "{symptom}. Consegue corrigir?", "Corrija isto: {symptom_lc}.", "{symptom}, alguma ideia do porquê?",
        "Recebo `{error}` quando rodo {cmd}.", "Em {file} estoura `{error}`, corrija por favor.",
        "Por que {symptom_lc}?", "{cmd} falha assim:\n{trace}", "Segue o traceback:\n{trace}\nO que está errado?",
        "Os testes de {file} quebraram depois do merge. Descubra por quê.", "Produção caiu com `{error}`. Socorro!",
        "Ao chamar {endpoint} recebo `{error}`.",
    ],
    ("architect", True): [
        "Proponha um design para {design_topic} antes de escrevermos código.", "Como você projetaria {design_topic}?",
        "O que você escolheria: {choice}? Explique os trade-offs para o nosso caso.",
        "Esboce a arquitetura para {design_topic}.", "Que estrutura faz sentido para {design_topic}?",
        "Projete {design_topic}: componentes, fluxo de dados e modos de falha.",
        "Qual padrão de projeto combina com {design_topic}?", "Compare duas abordagens para {design_topic} e recomende uma.",
    ],
    ("coder", False): [
        "Construa {product}.", "Crie {product} do zero.", "Implemente {big_feature} de ponta a ponta: {parts}.",
        "Estude o projeto atual e depois implemente {big_feature}.", "Adicione {big_feature} ao app: {parts}.",
        "Precisamos de {product} com {parts}.", "Migre {area} de {tech} para {tech2} e atualize os testes.",
        "Primeiro leia o código, depois adicione {big_feature}, em seguida escreva testes e atualize a documentação.",
        "Desenvolva {product}:\n{bullets}", "Implemente o seguinte:\n{numbered}",
    ],
    ("architect", False): [
        "Projete e planeje {product}: {parts}.", "Planeje a migração de {area} para {tech}: {parts}.",
        "Prepare a arquitetura e um plano de migração passo a passo de {tech} para {tech2} para {area}.",
        "Projete todo o backend de {product} e planeje a ordem de implementação.",
        "Prepare um plano técnico completo para {big_feature}: {parts}.",
    ],
    ("debug", False): [
        "Depois de atualizar {tech}, {area} tem várias falhas: {symptom_lc}, e também {symptom2_lc}. Investigue cada uma e corrija.",
        "Temos muitos testes instáveis em {area}; encontre as causas e corrija todos.",
        "Corrija todos estes problemas:\n{bug_bullets}",
    ],
    ("ask", False): [
        "Revise todos os módulos de {area} e escreva, para cada um, o que faz, seus riscos e sua cobertura de testes.",
        "Estude todo o código e escreva documentação para cada módulo público.",
        "Analise {area} e prepare um relatório de dívida técnica com uma lista priorizada de correções.",
    ],
}

HANDWRITTEN = [
    ("então, como funcionam os decorators em Python?", "ask", True),
    ("sobe a versão do node no .nvmrc para 20", "coder", True),
    ("O formulário aceita e-mail sem @. É um bug, corrige.", "debug", True),
    ("Como você organizaria os pacotes para uma arquitetura hexagonal em Go?", "architect", True),
    ("Estude o projeto e faça um aplicativo mobile para ele.", "coder", False),
]

# Round 2 (written after the second dev-set run, which showed only aggregate figures;
# see ../README.md).
HANDWRITTEN += [
    ("O que `git stash pop` faz exatamente quando há conflitos?", "ask", True),
    ("Mude o tempo de sessão de 30 para 60 minutos.", "coder", True),
    ("O botão de enviar deve ficar desabilitado até o formulário ser válido.", "coder", True),
    ("Desde hoje de manhã metade dos usuários não consegue entrar.", "debug", True),
    ("Escreva um ADR sobre adotar event sourcing para os pedidos.", "architect", True),
    ("Projete o esquema do banco para usuários, times, projetos e convites.", "architect", True),
    ("Adicione um sistema de cobrança: planos, período de teste, faturas e portal do cliente.", "coder", False),
]
