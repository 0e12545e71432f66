"""A small Spanish/English lexicon for the offline matcher: stop words, greetings, synonyms, off-topic cues.

Synonym groups map everyday (Colombian) ways of asking about the same business topic to one canonical
token ("domicilio", "delivery", "envían" → "envio"). Keep the groups general (any small business), not
tuned to one client: a client's own words come from its knowledge base. The matcher stems every word of
a group, so one form of a word is enough ("reservar" also covers "reservas").
"""

from __future__ import annotations


def _w(text: str) -> frozenset[str]:
    """The words of a space-separated list."""
    return frozenset(text.split())


STOP_WORDS = _w(
    """
    a al algo alguna alguno algun ante antes aqui asi aun bien cada como con contra cual cuales de del
    desde donde e el ella ellas ellos en entre era es esa ese eso esta estan estas este esto estos fue ha
    han hasta hay la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros o os otra otro para
    pero poco por porque pues que quien se sea ser si sin sobre solo su sus tal tambien te ti tiene tienen
    tengo todo todos tu tus un una uno unos unas usted ustedes vos y ya yo q k pq xq porfa porfavor favor
    puedo pueden puede podria podrian quiero quisiera queria necesito necesitaba saber hacer hacen hace dar
    dan dame me gustaria bueno ok okay vale ahi alla aca cuanto cuanta cuantos cuantas cuando cual pasas
    pasa pasame dime digame decirme regalame regalas indicame informame contarme cuentame
    tienes tenes tendran tendria hacemos haces venden vende vendes ofrecen ofrece manejan dijeron dicen
    dijo sera seria estaria estamos estoy soy eres hoy ahora ahorita manana pronto cosa cosas tipo alguien
    estar va van vas voy ir sacar pedir consulta pregunta preguntar averiguar ayuda ayudar ayudame hago hice
    ver mirar tener aceptan acepta aceptar aceptamos reciben recibe recibir recibimos das da regala regalan
    regalen regalar colabora colaboras parce parcero parcera veci senor senora senorita pa pal pido pida
    interesa interesan interesado interesada mandame mandeme enviame envieme viene vienen vuelta
    compre compramos compraron comprado comprada compradas comprados pedi pedimos pidieron deseo deseaba desearia
    pidan mientras siempre nunca realizar realizo realiza realizan
    bacano bacana chevere oiga oye super toda todas muchos muchas muchisimo muchisima pasan pasen busco
    buscando saco vi vio proceso gusto gusta gustaron gusten
    the a an and or of to in on for with at by from is are was be been do does did you your we our us i
    me my it its this that these those there here can could would should will please pls what which who
    how much many when where why have has had any some about just get want need know tell today now
    """
)

# Stop words written with "ñ": a word typed with "ñ" is otherwise kept ("uñas" is not the stop word "unas").
ENYE_STOP_WORDS = _w("mañana señor señora señorita")

GREETINGS = _w(
    "hola holi buenas buenos dias dia tardes tarde noches noche saludos hey hi hello good morning afternoon "
    "evening que tal info informacion information alo ola"
)
# The greeting words that greet on their own; "día", "tarde", "qué", "tal" only with one of them ("buenos
# días", "hola, ¿qué tal?"): "¿qué día es hoy?" is a question, not a greeting.
GREETING_OPENERS = _w("hola holi buenas buenos buen saludos hey hi hello good alo ola info informacion information")
# Words that greet or count inside a question ("hola, ¿cuánto vale…?", "hace dos años"), and how a garment
# fits ("me quedó pequeña" is no "¿dónde queda?"): the matcher drops them, as it drops digits.
MATCH_NOISE = _w(
    """
    hola holi buenas buenos saludo saludos hey hi hello alo ola quedarle info informacion
    uno dos tres cuatro cinco seis siete ocho nueve diez once doce quince veinte treinta cuarenta cincuenta
    cien ciento mil
    """
)
THANKS = _w("gracias muchas mil thanks thank thx ty vale listo perfecto genial chao adios bye")

SYNONYM_GROUPS: dict[str, frozenset[str]] = {
    "horario": _w(
        "horario hora horas abren abre abrir abierto abiertos cierran cierra cerrar cerrado lunes martes "
        "miercoles jueves viernes sabado sabados domingo domingos festivo festivos feriado mediodia temprano "
        "open opening opens hours hour close closing closes schedule"
    ),
    "ubicacion": _w(
        "ubicacion ubicados ubicado ubicadas ubicada direccion direcciones quedan queda sede local comollego "
        "centrocomercial mapa waze googlemaps location located address directions"
    ),
    "precio": _w("precio cuesta cuestan costo valen valor cobran cobra sale tarifa price prices cost costs fee"),
    "reserva": _w(
        "reserva reservar reservo reservacion cita citas agendar agenda agendo turno separar apartar apartan guardar "
        "guardan guarden sostener sostienen "
        "appointment book booking reservation"
    ),
    "cambio": _w(
        "cambiar cambio cambia reprogramar mover aplazar posponer devolver devolucion devoluciones reschedule "
        "change return"
    ),
    "cancelar": _w("cancelar cancelo cancelacion anular cancel"),
    "pago": _w(
        "pago pagar pagos tarjeta efectivo nequi daviplata transferencia pse credito debito "
        "payment pay card cash transfer"
    ),
    "cuota": _w("cuota cuotas financiacion financiar financian financiado plazo installment installments financing"),
    "envio": _w(
        "envio enviar envian domicilio domicilios delivery despacho despachan despachar entrega entregan "
        "mandar mandan manden transportadora demora demoran tarda tardan domi domis flete llegar llega llegan "
        "cuantotiempo cuantosdias shipping ship deliver"
    ),
    "urgencia": _w("urgencia emergencia urgente dolor duele emergency urgent pain"),
    "parqueadero": _w("parqueadero parqueo parking estacionamiento estacionar parquear"),
    "nino": _w("nino nina ninos hijo hija infantil bebe kid kids child children son daughter"),
    "seguro": _w(
        "seguro eps prepagada convenio aseguradora poliza insurance sura sanitas colsanitas medisanitas "
        "compensar coomeva famisanar colmedica allianz colpatria mapfre saludtotal nuevaeps sisben"
    ),
    "garantia": _w("garantia reembolso warranty refund"),
    "descuento": _w("descuento descuentos promo promocion promociones rebaja rebajas oferta ofertas discount"),
    "licor": _w(
        "licor licores trago tragos guaro aguardiente pola polas birra cerveza alcohol vino vinos whisky ron "
        "tequila vodka champana beer liquor wine"
    ),
    "wifi": _w("wifi guifi wuifi internet clavewifi"),
    "bono": _w("bono bonos bonoregalo giftcard voucher"),
    "mascota": _w("mascota mascotas perro perros perrito perrita gato gatos gatico pet pets dog dogs cat"),
    "vegetariano": _w("vegetariano vegetariana vegetarianos vegano vegana veganos sincarne vegetarian vegan"),
    "contraentrega": _w("contraentrega contraentregas"),
    "mayorista": _w(
        "pormayor mayorista mayoristas mayoreo distribuidor distribuidores revender reventa surtir docena docenas "
        "wholesale"
    ),
    "catalogo": _w("catalogo catalogos productos referencias coleccion verprendas catalog products"),
    "almuerzo": _w("almuerzo almuerzos corrientazo ejecutivo menudeldia lunch"),
    "ropa": _w(
        "ropa prenda prendas pantalon pantalones camisa camisas blusa blusas vestido vestidos falda faldas "
        "chaqueta chaquetas clothes"
    ),
    "talla": _w("talla tallas grande grandes pequeno pequena pequenos pequenas mediano mediana size sizes"),
    "depilacion": _w("depilacion depilar depilarme depilarse vello vellos wax waxing"),
    "hombre": _w("hombre hombres caballero caballeros masculino"),
    "dama": _w("dama damas mujer mujeres femenino ladies"),
    "redes": _w("instagram facebook tiktok redes ig insta face historias paginaweb"),
    "facial": _w("facial faciales cara rostro cutis"),
    "descorche": _w("descorche descorchar destapar destapan corkage"),
    "calzado": _w(
        "calzado zapato zapatos tenis zapatilla zapatillas botas botines sandalias tacones baletas shoes sneakers"
    ),
    "gluten": _w("gluten celiaco celiaca celiacos celiaquia singluten glutenfree"),
    "propina": _w("propina propinas servicioincluido tip tips"),
    "diente": _w("diente dientes dental dentales dentadura muela muelas molar molares tooth teeth dental"),
    "ortodoncia": _w("ortodoncia brackets frenillos frenos alineadores braces"),
    "atencion": _w("atencion atender atienden atiende atendemos attend attention serve"),
    "persona": _w("asesor humano persona agente operador human agent representative"),
    # Intents of a shop's customer, told apart by how they are said (see ORDER_INTENT and TRACKING_INTENT):
    # buying ("¿cómo hago un pedido?", "¿cómo compro?") is not following an order ("¿dónde va mi pedido?"),
    # and an order arriving late is the shipping, not the order.
    "comprar": _w("comprar compro hacerpedido encargar encargo ordenar"),
    "rastreo": _w("rastrear rastreo rastreado guia seguimiento tracking dondeva nohallegado"),
}

# Groups that say what the customer wants done (send, pay, change, hold, buy, follow an order…) rather than
# what about: in "¿cuánto se demora en llegar un pedido?" or "¿puedo pagar a cuotas unos tenis?" the order and
# the shoes are what the shipping or the payment applies to, not a subject of their own.
INTENT_GROUPS = _w("envio pago cuota cambio garantia reserva comprar rastreo cancelar contraentrega mayorista")

# Set phrases read as one word (folded, stop words included), so their parts do not mislead: "contra
# entrega" is a way of paying, not a delivery; "sin carne" asks for vegetarian food. Each joined word
# belongs to a synonym group below.
PHRASES: dict[str, str] = {
    "contra entrega": "contraentrega",
    "pago contra entrega": "contraentrega",
    "centro comercial": "centrocomercial",
    "como llego": "comollego",
    "como llegar": "comollego",
    "menu del dia": "menudeldia",
    "sin carne": "sincarne",
    "al por mayor": "pormayor",
    "google maps": "googlemaps",
    "donde dejar": "parquear",
    "donde puedo dejar": "parquear",
    "donde dejo": "parquear",
    "por mayor": "pormayor",
    "pagar al recibir": "contraentrega",
    "pago al recibir": "contraentrega",
    "pagar cuando llegue": "contraentrega",
    "pago cuando llegue": "contraentrega",
    "pagar cuando me llegue": "contraentrega",
    "wi fi": "wifi",
    "buenas tardes": "saludo",
    "buenas noches": "saludo",
    "buenos dias": "saludo",
    "buen dia": "saludo",
    "redes sociales": "redes",
    "mi propio vino": "descorche",
    "mi propio trago": "descorche",
    "mi propio licor": "descorche",
    "mi propia botella": "descorche",
    "mi botella": "descorche",
    "nuestra botella": "descorche",
    "sin gluten": "singluten",
    "gluten free": "glutenfree",
    "servicio voluntario": "servicioincluido",
    "servicio incluido": "servicioincluido",
    "cargo por servicio": "servicioincluido",
    "cobran servicio": "servicioincluido",
    "cobran el servicio": "servicioincluido",
    "incluyen el servicio": "servicioincluido",
    "me queda": "quedarle",
    "me quedo": "quedarle",
    "le queda": "quedarle",
    "le quedo": "quedarle",
    "me quedan": "quedarle",
    "le quedan": "quedarle",
    "me quedaron": "quedarle",
    "le quedaron": "quedarle",
    "tarjeta de regalo": "bonoregalo",
    "tarjetas de regalo": "bonoregalo",
    "bono de regalo": "bonoregalo",
    "bonos de regalo": "bonoregalo",
    "gift card": "giftcard",
    "gift cards": "giftcard",
    "pagina web": "paginaweb",
    "sitio web": "paginaweb",
    "muela del juicio": "cordales",
    "muelas del juicio": "cordales",
    "salud total": "saludtotal",
    "nueva eps": "nuevaeps",
    "cuanto vale": "valor",
    "cuanto valen": "valor",
    "q vale": "valor",
    "que vale": "valor",
    "donde puedo ver": "verprendas",
    **{
        f"{asking} {photos}": "verprendas"
        for asking in (
            "mandame",
            "mandeme",
            "pasame",
            "enviame",
            "envieme",
            "regalame",
            "me pasa",
            "me pasan",
            "me manda",
            "me mandan",
            "me envia",
            "me envian",
            "me regala",
            "me regalan",
        )
        for photos in ("fotos", "fotos de", "las fotos", "unas fotos")
    },
    "donde veo": "verprendas",
    "donde ver": "verprendas",
    "por cantidad": "pormayor",
    "en cantidad": "pormayor",
    "cuanto tiempo": "cuantotiempo",
    "cuantos dias": "cuantosdias",
    "donde va": "dondeva",
    "donde viene": "dondeva",
    "por donde va": "dondeva",
    "por donde viene": "dondeva",
    "donde esta mi pedido": "dondeva",
    "donde esta el pedido": "dondeva",
    "donde esta mi paquete": "dondeva",
    "no ha llegado": "nohallegado",
    "no me ha llegado": "nohallegado",
    "no han llegado": "nohallegado",
    "no me han llegado": "nohallegado",
    "no me llega": "nohallegado",
    "no me llego": "nohallegado",
    "no llega": "nohallegado",
    "no llego": "nohallegado",
    "nada que llega": "nohallegado",
    "nada que me llega": "nohallegado",
    "nada que llegan": "nohallegado",
}

# Placing an order, however it is said ("hacer un pedido", "realizo una compra", "hacerme el pedido"): one word
# of the "comprar" group, so the order's noun alone ("¿dónde va mi pedido?") keeps meaning the order itself.
ORDER_VERBS = _w(
    "hacer hago hace hacen hacemos hacerme hacerle hacerles realizar realizo realiza realizan montar monto poner "
    "pongo dejar dejo"
)
ORDER_NOUNS = _w("pedido pedidos compra compras orden encargo")
PHRASES.update(
    {
        f"{verb} {article}{noun}": "hacerpedido"
        for verb in ORDER_VERBS
        for article in ("", "un ", "una ", "el ", "la ", "mi ", "los ", "unos ")
        for noun in ORDER_NOUNS
    }
)

# Everyday words of asking any business about itself: a question about the hours or the address with
# them ("¿abren los domingos?", "¿dónde queda la tienda?") is about this business; one naming what the
# business never mentions ("¿dónde queda la embajada?", "¿qué hora es en Madrid?") is not.
GENERIC_WORDS = _w(
    """
    semana semanas fin finde mes dia dias cerca cercano cercana whatsapp chat mensaje
    tienda almacen negocio local sede sucursal oficina establecimiento fisica fisico punto venta ustedes
    consultorio clinica restaurante salon peluqueria spa cocina
    exacta exactamente bien noche noches tarde tardes
    negro negra negros negras blanco blanca blancos blancas azul azules rojo roja rojos rojas verde verdes
    gris grises amarillo amarilla rosado rosada morado morada beige
    """
)

# The persona's own facts and the words that ask for them; each is indexed like a knowledge entry, so
# "¿cuál es el horario?" finds the hours even when no entry states them.
FACT_QUESTIONS: dict[str, str] = {
    "hours": "¿Cuál es el horario? ¿A qué hora abren y cierran? ¿Atienden los sábados y domingos?",
    "address": "¿Cuál es la dirección? ¿Dónde quedan ubicados?",
    "booking": "¿Cómo reservo o agendo una cita? ¿Cómo compro o hago un pedido?",
}

# Requests for work no business assistant does: answered with a redirect to what the business offers,
# unless the business itself uses the word (a restaurant whose entries speak of its "receta").
OFF_TOPIC_TASKS = _w(
    """
    poema poemas poesia verso versos cuento cuentos cancion canciones chiste chistes ensayo ensayos tarea
    tareas deberes resumen resumeme resumir traduce traducir traduceme traduccion receta recetas horoscopo
    ecuacion ecuaciones codigo programar redacta redactame
    poem poems poetry story song joke essay homework summary summarize translate translation recipe code
    """
)
# General knowledge and other people's business: a redirect when no entry or fact answers the question.
OFF_TOPIC_SUBJECTS = _w(
    """
    capital pais paises habitantes poblacion presidente gobierno politica elecciones guerra clima temperatura
    pronostico noticia noticias pelicula peliculas serie series netflix actor actriz famoso libro libros
    novela partido mundial futbol jugador gano campeon canta cantante dolar euro bitcoin cripto
    invertir inversion opinas opinion teoria relatividad explicame geografia
    ciencia matematicas idioma significa significado chatgpt videojuego
    weather president politics war news movie movies actor book football soccer team dollar invest
    opinion theory science meaning
    """
)
