// keyflow's data on a bpmn-js element, read and written as the engine reads it: extension
// properties (spiffworkflow:properties), names in two languages (Chinese in `name`, English
// as the first line of the documentation, engine/naming.py) and timer definitions. Every
// write goes through bpmn-js's modeling, so it is on the command stack (undo, dirty state).
(function () {
  "use strict";

  var SPIFF = "spiffworkflow:Properties";

  window.KeyflowModel = function (modeler) {
    function moddle() { return modeler.get("moddle"); }
    function modeling() { return modeler.get("modeling"); }

    // Where an element's keyflow data lives: a pool (participant) stands for its process.
    function holderOf(element) {
      var bo = element.businessObject;
      return bo.$instanceOf("bpmn:Participant") && bo.processRef ? bo.processRef : bo;
    }

    function propertiesOf(element) {
      var ext = holderOf(element).extensionElements;
      var found = ext && (ext.values || []).filter(function (v) { return v.$instanceOf(SPIFF); })[0];
      var result = {};
      if (found) { (found.properties || []).forEach(function (p) { result[p.name] = p.value; }); }
      return result;
    }

    // Set (or, with an empty value, remove) property `name` of `element`.
    function setProperty(element, name, value) {
      var holder = holderOf(element);
      var ext = holder.extensionElements || moddle().create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = holder;
      var values = ext.get("values");
      var props = values.filter(function (v) { return v.$instanceOf(SPIFF); })[0];
      if (!props) {
        props = moddle().create(SPIFF, { properties: [] });
        props.$parent = ext;
        values.push(props);
      }
      var list = props.get("properties");
      var existing = list.filter(function (p) { return p.name === name; })[0];
      if (value && existing) {
        existing.value = value;
      } else if (value) {
        var created = moddle().create("spiffworkflow:Property", { name: name, value: value });
        created.$parent = props;
        list.push(created);
      } else if (existing) {
        list.splice(list.indexOf(existing), 1);
      }
      modeling().updateModdleProperties(element, holder, { extensionElements: ext });
    }

    // {zh, en}: the element's name and the first line of its documentation.
    function namesOf(element) {
      var holder = holderOf(element);
      var docs = holder.documentation || [];
      var text = docs.length ? (docs[0].text || "") : "";
      return { zh: holder.name || "", en: text.trim().split("\n")[0].trim() };
    }

    function setNames(element, zh, en) {
      var holder = holderOf(element);
      var docs = holder.documentation || [];
      var rest = docs.length ? (docs[0].text || "").trim().split("\n").slice(1) : [];
      var text = [en].concat(rest).join("\n").trim();
      var documentation = docs.slice(1);
      if (text) {
        var doc = moddle().create("bpmn:Documentation", { text: text });
        doc.$parent = holder;
        documentation.unshift(doc);
      }
      modeling().updateModdleProperties(element, holder, { name: zh || undefined,
                                                           documentation: documentation });
      if (holder !== element.businessObject) {  // the pool's label shows the process name
        modeling().updateProperties(element, { name: zh || undefined });
      }
    }

    function timerOf(element) {
      return (element.businessObject.eventDefinitions || []).filter(function (d) {
        return d.$instanceOf("bpmn:TimerEventDefinition");
      })[0];
    }

    return { propertiesOf: propertiesOf, setProperty: setProperty, namesOf: namesOf,
             setNames: setNames, timerOf: timerOf };
  };
}());
