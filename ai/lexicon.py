"""A small Spanish/English lexicon for the offline matcher: stop words, greetings and synonym groups.

Synonym groups map everyday ways of asking about the same business topic to one canonical token
("domicilio", "delivery", "envían" → "envio"). Keep the groups general (any small business), not
tuned to one client: a client's own words come from its knowledge base.
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
    puedo pueden puede podria quiero quisiera necesito saber hacer hacen hace dar dan dame me gustaria
    bueno ok okay vale ahi alla aca cuanto cuanta cuantos cuantas cuando cual pasas pasa pasame dime
    digame decirme regalame regalas indicame informame contarme cuentame
    the a an and or of to in on for with at by from is are was be been do does did you your we our us i
    me my it its this that these those there here can could would should will please pls what which who
    how much many when where why have has had any some about just get want need know tell
    """
)

GREETINGS = _w(
    "hola holi buenas buenos dias dia tardes tarde noches noche saludos hey hi hello good morning afternoon "
    "evening que tal info informacion information alo ola"
)
THANKS = _w("gracias muchas mil thanks thank thx ty vale listo perfecto genial chao adios bye")

SYNONYM_GROUPS: dict[str, frozenset[str]] = {
    "horario": _w(
        "horario hora horas abren abre abrir abierto abiertos cierran cierra cerrar cerrado "
        "open opening opens hours hour close closing closes schedule"
    ),
    "ubicacion": _w(
        "ubicacion ubicados ubicado ubicadas ubicada direccion quedan queda donde sede local llegar mapa "
        "location located address where directions"
    ),
    "precio": _w("precio cuesta cuestan costo vale valen valor cobran tarifa price prices cost costs fee"),
    "reserva": _w(
        "reserva reservar reservo reservacion cita agendar agenda agendo turno separar "
        "appointment book booking reservation"
    ),
    "cambio": _w("cambiar cambio cambia reprogramar mover aplazar posponer reschedule change"),
    "cancelar": _w("cancelar cancelo cancelacion anular cancel"),
    "pago": _w(
        "pago pagar pagos pago tarjeta efectivo nequi daviplata transferencia pse credito debito "
        "payment pay card cash transfer"
    ),
    "cuota": _w("cuota financiacion financiar financian financiado plazo installment installments financing"),
    "envio": _w(
        "envio enviar envian domicilio domicilios delivery despacho despachan llevan entrega entregan "
        "shipping ship deliver"
    ),
    "urgencia": _w("urgencia emergencia urgente dolor emergency urgent pain"),
    "parqueadero": _w("parqueadero parqueo parking estacionamiento estacionar parquear carro auto vehiculo moto car"),
    "nino": _w("nino nina hijo hija infantil bebe kid kids child children son daughter"),
    "seguro": _w("seguro eps prepagada convenio aseguradora poliza insurance"),
    "garantia": _w("garantia devolucion devolver reembolso warranty refund return"),
    "aceptan": _w("aceptan acepta aceptar aceptamos reciben recibe recibir recibimos manejan accept accepts take"),
    "atencion": _w("atencion atender atienden atiende atendemos attend attention serve"),
    "persona": _w("asesor humano persona agente operador human agent representative"),
}
