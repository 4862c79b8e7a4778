"""Salesforce and HubSpot payloads, in the shapes their documentation gives,
through the signed webhook."""

import json

import pytest

from revenue.models import CrmEvent, Opportunity, StageChange

pytestmark = pytest.mark.django_db
URL = "/api/v1/crm/events/"

OUTBOUND_MESSAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D5e000000KQ2eEAG</OrganizationId>
   <ActionId>04k5e000000CaRkAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/59.0/00D5e000000KQ2e</EnterpriseUrl>
   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/59.0/00D5e000000KQ2e</PartnerUrl>
   <Notification>
    <Id>04l5e00000Gx7QzAAJ</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0065e00000AbCdEAAV</sf:Id>
     <sf:Amount>25000.0</sf:Amount>
     <sf:CloseDate>2027-01-31</sf:CloseDate>
     <sf:CreatedDate>2026-11-02T09:15:00.000Z</sf:CreatedDate>
     <sf:IsClosed>false</sf:IsClosed>
     <sf:IsWon>false</sf:IsWon>
     <sf:Name>Acme - 500 seats</sf:Name>
     <sf:OwnerId>005ANA</sf:OwnerId>
     <sf:StageName>Negotiation</sf:StageName>
     <sf:SystemModstamp>2026-11-30T10:00:00.000Z</sf:SystemModstamp>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"""

# What a record-triggered Flow's HTTP callout (or Apex JSON.serialize) sends.
FLOW_RECORDS = {
    "records": [
        {
            "attributes": {
                "type": "Opportunity",
                "url": "/services/data/v59.0/sobjects/Opportunity/0065e00000XyZ",
            },
            "Id": "0065e00000XyZ",
            "Name": "Globex renewal",
            "StageName": "Closed Won",
            "Amount": 9000,
            "CurrencyIsoCode": "EUR",
            "CloseDate": "2026-11-30",
            "CreatedDate": "2026-10-01T08:00:00.000+0000",
            "IsClosed": True,
            "IsWon": True,
            "OwnerId": "005XYZ",
            "Owner": {"attributes": {"type": "User"}, "Email": "ana@example.com"},
            "LastStageChangeDate": "2026-11-30T09:30:00.000+0000",
            "SystemModstamp": "2026-11-30T09:30:05.000+0000",
        }
    ]
}

# HubSpot Webhooks API: a batch of deal.propertyChange events.
HUBSPOT_BATCH = [
    {
        "eventId": 1001,
        "subscriptionId": 4242,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": 1764496800000,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": 987654,
        "propertyName": "dealstage",
        "propertyValue": "closedwon",
        "changeSource": "CRM",
        "sourceId": "userId:1234",
    },
    {
        "eventId": 1002,
        "subscriptionId": 4243,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": 1764496800000,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": 987654,
        "propertyName": "hubspot_owner_id",
        "propertyValue": "005ANA",
        "changeSource": "CRM",
    },
]

# A deal-based workflow's "Send a webhook" body (legacy property objects).
HUBSPOT_WORKFLOW = {
    "objectId": 555,
    "portalId": 62515,
    "properties": {
        "dealname": {"value": "Initech pilot", "timestamp": 1764400000000},
        "dealstage": {"value": "appointmentscheduled", "timestamp": 1764496800000},
        "amount": {"value": "4000"},
        "pipeline": {"value": "default"},
        "createdate": {"value": "1764000000000"},
        "closedate": {"value": "1767139200000"},
        "hubspot_owner_id": {"value": "005ANA"},
    },
}


def post(client, body: bytes, signing, source, content_type="application/json"):
    return client.post(
        f"{URL}?source={source}",
        data=body,
        content_type=content_type,
        headers=signing(body),
    )


def test_a_salesforce_outbound_message_is_acknowledged(client, stages, signing, seller):
    """The SOAP notification is applied and answered with Salesforce's Ack."""
    response = post(client, OUTBOUND_MESSAGE, signing, "salesforce", "text/xml")
    assert response.status_code == 200
    assert b"<Ack>true</Ack>" in response.content
    deal = Opportunity.objects.get(external_id="0065e00000AbCdEAAV")
    assert (deal.name, deal.stage.name, deal.owner) == (
        "Acme - 500 seats",
        "Negotiation",
        seller,
    )
    assert str(deal.expected_close_on) == "2027-01-31"
    assert CrmEvent.objects.get().event_id == "sf-om:04l5e00000Gx7QzAAJ"
    # Salesforce retries until acknowledged: the retry is a duplicate.
    post(client, OUTBOUND_MESSAGE, signing, "salesforce", "text/xml")
    assert StageChange.objects.count() == 1


def test_salesforce_flow_records_close_a_won_deal(client, stages, signing, seller):
    """IsWon/IsClosed decide the outcome; Owner.Email matches the rep."""
    body = json.dumps(FLOW_RECORDS).encode()
    response = post(client, body, signing, "salesforce")
    assert response.status_code == 202, response.content
    deal = Opportunity.objects.get(external_id="0065e00000XyZ")
    assert (deal.outcome, deal.owner, deal.currency) == ("won", seller, "EUR")
    assert deal.closed_at.isoformat() == "2026-11-30T09:30:00+00:00"


def test_a_hubspot_webhook_batch_moves_the_deal(client, stages, signing, seller):
    """dealstage matches the stage's CRM key; hubspot_owner_id the member's external id."""
    body = json.dumps(HUBSPOT_BATCH).encode()
    response = post(client, body, signing, "hubspot")
    assert response.status_code == 202, response.content
    deal = Opportunity.objects.get(external_id="987654")
    assert (deal.stage, deal.outcome, deal.owner) == (
        stages["Closed Won"],
        "won",
        seller,
    )
    again = post(client, body, signing, "hubspot").json()
    assert again["duplicates"] == 2


def test_a_hubspot_workflow_webhook_is_one_deal(client, stages, signing, seller):
    """Property objects are read; an unknown stage id is created and reported."""
    body = json.dumps(HUBSPOT_WORKFLOW).encode()
    response = post(client, body, signing, "hubspot")
    assert response.status_code == 202, response.content
    assert response.json()["stages_created"] == ["appointmentscheduled"]
    deal = Opportunity.objects.get(external_id="555")
    assert (deal.name, str(deal.amount), deal.owner) == (
        "Initech pilot",
        "4000.00",
        seller,
    )
    assert deal.stage_changed_at.timestamp() == 1764496800


def test_a_hubspot_contact_event_refuses_the_batch(client, stages, signing):
    """Not a deal: the batch is refused whole, naming the event."""
    body = json.dumps(
        [{**HUBSPOT_BATCH[0], "subscriptionType": "contact.creation"}]
    ).encode()
    response = post(client, body, signing, "hubspot")
    assert response.status_code == 422
    assert "not a deal event" in response.json()["error"]["fields"]["events.0"][0]
    assert not Opportunity.objects.exists()
